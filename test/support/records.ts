import { usccCheckCharacter } from '../../ingestion/identifiers.js';
import type { IncomingRecord } from '../../ingestion/validate-record.js';

/** A valid USCC for an enterprise (91…) in the given division, numbered by `n`. */
export function enterpriseUscc(division: string, n: number): string {
  const body = `91${division}${n.toString().padStart(9, '0')}`.slice(0, 17);
  return body + usccCheckCharacter(body);
}

/** A valid USCC for a government authority (11…) in the given division, numbered by `n`. */
export function authorityUscc(division: string, n: number): string {
  const body = `11${division}MB${n.toString().padStart(7, '0')}`.slice(0, 17);
  return body + usccCheckCharacter(body);
}
/** The deciding authority of every fixture record; the test agencies are configured to publish for it. */
export const AUTHORITY_USCC = authorityUscc('310000', 1);

export function penaltyRecord(overrides: Partial<Record<string, unknown>> = {}, sourceRecordId = 'CF-0001'): IncomingRecord {
  return {
    kind: 'PENALTY',
    sourceRecordId,
    fields: {
      CF_XDR_MC: '上海浦东示例科技有限公司',
      CF_XDR_LB: '法人及非法人组织',
      CF_XDR_SHXYM: enterpriseUscc('310115', 1),
      CF_FRDB: '张三',
      CF_WSH: '沪市监浦处〔2024〕1号',
      CF_WFXW: '虚假宣传',
      CF_SY: '当事人在网站发布虚假广告',
      CF_YJ: '《中华人民共和国反不正当竞争法》第二十条',
      CF_CFLB: '罚款',
      CF_NR: '罚款人民币5万元',
      CF_NR_FK: '5',
      CF_JDRQ: '2024-03-15',
      CF_YXQ: '2099-12-31',
      CF_CFJG: '上海市浦东新区市场监督管理局',
      CF_CFJGDM: AUTHORITY_USCC,
      CF_SJLY: '上海市浦东新区市场监督管理局',
      CF_SJLYDM: AUTHORITY_USCC,
      ...overrides,
    },
  };
}

export function permitRecord(overrides: Partial<Record<string, unknown>> = {}, sourceRecordId = 'XK-0001'): IncomingRecord {
  return {
    kind: 'PERMIT',
    sourceRecordId,
    fields: {
      XK_XDR_MC: '上海浦东示例科技有限公司',
      XK_XDR_LB: '02',
      XK_XDR_SHXYM: enterpriseUscc('310115', 1),
      XK_FRDB: '张三',
      XK_WSH: '沪食许〔2024〕88号',
      XK_XKLB: '普通',
      XK_XKZS: '食品经营许可证',
      XK_XKBH: 'JY13101150000001',
      XK_NR: '预包装食品销售',
      XK_JDRQ: '2024-01-10',
      XK_YXQZ: '2024-01-10',
      XK_YXQZI: '2029-01-09',
      XK_XKJG: '上海市浦东新区市场监督管理局',
      XK_XKJGDM: AUTHORITY_USCC,
      XK_ZT: '1',
      XK_LYDW: '上海市浦东新区市场监督管理局',
      XK_LYDWDM: AUTHORITY_USCC,
      ...overrides,
    },
  };
}
