import { AUTHORITY_USCC, enterpriseUscc } from './records.js';

/**
 * An agency feed of the common kind: 行政处罚 and 行政许可 in one table, in the agency's own pinyin
 * columns, with a kind column (XZCF / XZXK) and subject columns shared by both kinds.
 */
export const MIXED_FEED_MAPPING = {
  kindColumn: 'lx',
  kindValues: { XZCF: 'PENALTY', XZXK: 'PERMIT', '1': 'PENALTY', '2': 'PERMIT' },
  sourceRecordIdColumn: 'id',
  ignoreColumns: ['gxsj'],
  // Written once for both kinds: each entry applies where its standard column belongs to the row's kind.
  defaults: { CF_SJLY: '上海市市场监督管理局', CF_SJLYDM: AUTHORITY_USCC, XK_LYDW: '上海市市场监督管理局', XK_LYDWDM: AUTHORITY_USCC },
  byKind: {
    PENALTY: {
      columns: {
        dsr_mc: 'CF_XDR_MC',
        dsr_lb: 'CF_XDR_LB',
        tyshxydm: 'CF_XDR_SHXYM',
        fddbr: 'CF_FRDB',
        wsh: 'CF_WSH',
        jdrq: 'CF_JDRQ',
        jdjg: 'CF_CFJG',
        jdjgdm: 'CF_CFJGDM',
        wfxw: 'CF_WFXW',
        wfss: 'CF_SY',
        cfyj: 'CF_YJ',
        cflb: 'CF_CFLB',
        cfnr: 'CF_NR',
        fkje: 'CF_NR_FK',
        yxq: 'CF_YXQ',
      },
      values: { CF_XDR_LB: { '1': '01', '2': '02' }, CF_CFLB: { '01': '警告', '02': '罚款', '05': '责令停产停业' } },
    },
    PERMIT: {
      columns: {
        dsr_mc: 'XK_XDR_MC',
        dsr_lb: 'XK_XDR_LB',
        tyshxydm: 'XK_XDR_SHXYM',
        fddbr: 'XK_FRDB',
        wsh: 'XK_WSH',
        jdrq: 'XK_JDRQ',
        jdjg: 'XK_XKJG',
        jdjgdm: 'XK_XKJGDM',
        xklb: 'XK_XKLB',
        xknr: 'XK_NR',
        yxqz: 'XK_YXQZ',
        yxq: 'XK_YXQZI',
      },
      values: { XK_XDR_LB: { '1': '01', '2': '02' } },
    },
  },
} as const;

/** The feed's columns, in the order the agency sends them. */
export const MIXED_FEED_COLUMNS = [
  'id',
  'lx',
  'dsr_mc',
  'dsr_lb',
  'tyshxydm',
  'fddbr',
  'wsh',
  'jdrq',
  'jdjg',
  'jdjgdm',
  'wfxw',
  'wfss',
  'cfyj',
  'cflb',
  'cfnr',
  'fkje',
  'xklb',
  'xknr',
  'yxqz',
  'yxq',
  'gxsj',
] as const;
export type MixedFeedRow = Record<(typeof MIXED_FEED_COLUMNS)[number], string>;

const emptyRow = (): MixedFeedRow => Object.fromEntries(MIXED_FEED_COLUMNS.map((column) => [column, ''])) as MixedFeedRow;

/** A 行政处罚 row as the agency sends it; permit columns empty. */
export function penaltyRow(id: string, overrides: Partial<MixedFeedRow> = {}): MixedFeedRow {
  return {
    ...emptyRow(),
    id,
    lx: 'XZCF',
    dsr_mc: '上海示例贸易有限公司',
    dsr_lb: '2',
    tyshxydm: enterpriseUscc('310115', 501),
    fddbr: '李四',
    wsh: `沪市监处〔2024〕${id}号`,
    jdrq: '2024-03-15',
    jdjg: '上海市市场监督管理局',
    jdjgdm: AUTHORITY_USCC,
    wfxw: '虚假宣传',
    wfss: '经查，当事人在网站发布虚假广告。',
    cfyj: '《中华人民共和国反不正当竞争法》第二十条',
    cflb: '02',
    cfnr: '罚款人民币5万元',
    fkje: '5',
    yxq: '2024-03-15',
    gxsj: '2024-03-16 09:00:00',
    ...overrides,
  };
}

/** A 行政许可 row as the agency sends it; penalty columns empty. */
export function permitRow(id: string, overrides: Partial<MixedFeedRow> = {}): MixedFeedRow {
  return {
    ...emptyRow(),
    id,
    lx: 'XZXK',
    dsr_mc: '上海示例贸易有限公司',
    dsr_lb: '2',
    tyshxydm: enterpriseUscc('310115', 501),
    fddbr: '李四',
    wsh: `沪市监许〔2024〕${id}号`,
    jdrq: '2024-01-10',
    jdjg: '上海市市场监督管理局',
    jdjgdm: AUTHORITY_USCC,
    xklb: '普通',
    xknr: '食品经营',
    yxqz: '2024-01-10',
    yxq: '2029-01-09',
    gxsj: '2024-01-11 09:00:00',
    ...overrides,
  };
}
