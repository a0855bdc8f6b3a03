import type { IncomingRecord } from '../../ingestion/validate-record.js';
import type { HubDb } from '../../store/database.js';
import { ingest } from './ingestion.js';
import { AUTHORITY_USCC, enterpriseUscc, penaltyRecord, permitRecord } from './records.js';

/** The USCC of test enterprise `n` (Pudong). */
export const subjectUscc = (n: number): string => enterpriseUscc('310115', n);

const subjectOf = (prefix: string, n: number) => ({
  [`${prefix}_XDR_MC`]: `上海评级示例${n}有限公司`,
  [`${prefix}_XDR_LB`]: '02',
  [`${prefix}_XDR_SHXYM`]: subjectUscc(n),
  [`${prefix}_FRDB`]: '张三',
});

/** A penalty of enterprise `n`: 罚款 5 万元 on 2024-03-15 unless overridden. */
export function penaltyOf(n: number, id: string, overrides: Record<string, unknown> = {}): IncomingRecord {
  return penaltyRecord({ ...subjectOf('CF', n), CF_WSH: `沪市监处〔2024〕${id}号`, ...overrides }, id);
}

export function permitOf(n: number, id: string, overrides: Record<string, unknown> = {}): IncomingRecord {
  return permitRecord({ ...subjectOf('XK', n), XK_XKBH: id, ...overrides }, id);
}

/** A BLACK_LIST, RED_LIST or ABNORMAL_OPERATION entry of enterprise `n`, listed on 2024-01-02. */
export function listEntryOf(
  kind: 'BLACK_LIST' | 'RED_LIST' | 'ABNORMAL_OPERATION',
  n: number,
  id: string,
  overrides: Record<string, unknown> = {},
): IncomingRecord {
  return {
    kind,
    sourceRecordId: id,
    fields: {
      ...subjectOf('MD', n),
      MD_MDMC: kind === 'BLACK_LIST' ? '严重失信主体名单' : kind === 'RED_LIST' ? '守信激励对象名单' : '经营异常名录',
      MD_LRYY: '评级测试',
      MD_YJ: '《测试依据》第一条',
      MD_WSH: `沪名单〔2024〕${id}号`,
      MD_LRRQ: '2024-01-02',
      MD_LRJG: '上海市市场监督管理局',
      MD_LRJGDM: AUTHORITY_USCC,
      MD_LYDW: '上海市市场监督管理局',
      MD_LYDWDM: AUTHORITY_USCC,
      ...overrides,
    },
  };
}

/** A 双随机 inspection result of enterprise `n`. */
export function inspectionOf(n: number, id: string, result: string, date = '2024-05-10'): IncomingRecord {
  return {
    kind: 'INSPECTION',
    sourceRecordId: id,
    fields: { ...subjectOf('JC', n), JC_RWBH: id, JC_JCRQ: date, JC_JCJG: result, JC_JGMC: '上海市市场监督管理局', JC_JGDM: AUTHORITY_USCC },
  };
}

/** Ingests records (clock 2024-06-01) and fails when any is rejected. */
export async function ingestAll(db: HubDb, records: readonly IncomingRecord[]): Promise<void> {
  const counts = await ingest(db, records);
  if (counts.rejected > 0) throw new Error(`${counts.rejected} fixture records were rejected`);
}

/** The hub id of the record with this source id. */
export async function recordId(db: HubDb, sourceRecordId: string): Promise<number> {
  const row = await db.selectFrom('records').select('id').where('source_record_id', '=', sourceRecordId).executeTakeFirstOrThrow();
  return row.id;
}

/** ISO date `days` after `iso`. */
export function addDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** A clock reading noon of the China day `iso`. */
export const chinaNoon = (iso: string) => () => new Date(`${iso}T04:00:00Z`);
