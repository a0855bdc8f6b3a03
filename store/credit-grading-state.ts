import { sql } from 'kysely';
import type { HubDb } from './database.js';

/** A position in the record change log: the writing transaction, then the change's sequence number. */
export interface LogPosition {
  readonly txId: string;
  readonly seq: number;
}

export interface GradingState {
  readonly position: LogPosition;
  /** The last China day whose decay and publication boundaries are graded, or null before the first run. */
  readonly gradedThrough: string | null;
  /** The model version the grades were last made with, or null before the first run. */
  readonly modelVersion: string | null;
}

/**
 * The newest change-log position every change at or before which is committed: only transactions
 * older than every transaction still running are considered (as the change feed reads the log), so
 * a change that commits later always lies after it. Make it the transaction's first statement.
 * Ordered by the columns (not by their text, which puts seq 999 after 1000), by index record_history_feed.
 */
export async function settledLogPosition(db: HubDb): Promise<LogPosition | undefined> {
  const result = await sql<{ tx_id: string; seq: string }>`
    select h.tx_id::text as tx_id, h.seq::text as seq from record_history h
    where h.tx_id < pg_snapshot_xmin(pg_current_snapshot())
    order by h.tx_id desc, h.seq desc limit 1
  `.execute(db);
  const row = result.rows[0];
  return row ? { txId: row.tx_id, seq: Number(row.seq) } : undefined;
}

/** Reads the grading state and locks it until the transaction ends. */
export async function lockGradingState(trx: HubDb): Promise<GradingState> {
  const result = await sql<{ watermark: string; watermark_tx: string; graded_through: string | null; model_version: string | null }>`
    select watermark::text as watermark, watermark_tx::text as watermark_tx, to_char(graded_through, 'YYYY-MM-DD') as graded_through, model_version
    from credit_grading_state for update
  `.execute(trx);
  const row = result.rows[0];
  if (!row) throw new Error('credit_grading_state has no row: migration 0009 inserts it');
  return { position: { txId: row.watermark_tx, seq: Number(row.watermark) }, gradedThrough: row.graded_through, modelVersion: row.model_version };
}

/** Stores what a grading run covered; call in the transaction that wrote its grades. */
export async function saveGradingState(trx: HubDb, state: GradingState): Promise<void> {
  await sql`
    update credit_grading_state set watermark = ${state.position.seq}, watermark_tx = ${state.position.txId}::xid8,
      graded_through = ${state.gradedThrough}::date, model_version = ${state.modelVersion}
  `.execute(trx);
}

/** Whether `a` lies after `b` in the change log. */
export function isAfter(a: LogPosition, b: LogPosition): boolean {
  const ta = BigInt(a.txId);
  const tb = BigInt(b.txId);
  return ta > tb || (ta === tb && a.seq > b.seq);
}

export interface TargetRules {
  /** Changes in (from, to] of the log re-grade their records' subjects (old and new). */
  readonly from: LogPosition;
  readonly to: LogPosition;
  /** Re-grade every subject (the active model changed). */
  readonly everyone: boolean;
  /**
   * Decay and publication boundaries crossed in (after, today] re-grade their subjects; `ages` are the
   * record ages (days) at which a decay factor of some indicator of the kind changes. null: none.
   */
  readonly boundaries: { readonly after: string; readonly today: string; readonly ages: readonly { kind: string; age: number }[] } | null;
}

/**
 * Collects the subjects a grading run must grade into the temporary table grading_targets (dropped
 * at commit), each with its cause: RECORD_CHANGE before MODEL_ACTIVATION before DECAY when several
 * apply. Returns how many were collected. Call inside a transaction.
 */
export async function collectGradingTargets(trx: HubDb, rules: TargetRules): Promise<number> {
  await sql`create temporary table grading_targets (subject_uscc text primary key, cause text not null) on commit drop`.execute(trx);
  if (isAfter(rules.to, rules.from)) {
    await sql`
      insert into grading_targets (subject_uscc, cause)
      select distinct s.uscc, 'RECORD_CHANGE' from record_history h
      join records r on r.id = h.record_id
      cross join lateral (values (r.subject_uscc), (h.previous->>'subject_uscc')) as v(uscc)
      join subjects s on s.uscc = v.uscc
      where (h.tx_id, h.seq) > (${rules.from.txId}::xid8, ${rules.from.seq}::bigint)
        and (h.tx_id, h.seq) <= (${rules.to.txId}::xid8, ${rules.to.seq}::bigint)
      on conflict do nothing
    `.execute(trx);
  }
  if (rules.everyone) {
    await sql`insert into grading_targets (subject_uscc, cause) select uscc, 'MODEL_ACTIVATION' from subjects on conflict do nothing`.execute(trx);
  } else if (rules.boundaries) {
    const { after, today, ages } = rules.boundaries;
    // A record enters an age band on the day its age reaches the band's first day, and stops
    // counting the day after its publication end or last valid day, or on its removal date.
    await sql`
      insert into grading_targets (subject_uscc, cause)
      select distinct r.subject_uscc, 'DECAY' from records r join subjects s on s.uscc = r.subject_uscc
      where r.status = 'ACTIVE' and (
        exists (select 1 from jsonb_to_recordset(${JSON.stringify(ages)}::jsonb) as k(kind text, age int)
          where k.kind = r.kind and k.age > ${after}::date - r.event_date and k.age <= ${today}::date - r.event_date)
        or (r.kind = 'PENALTY' and r.publication_end >= ${after}::date and r.publication_end < ${today}::date)
        or (r.kind <> 'PENALTY' and r.valid_to >= ${after}::date and r.valid_to < ${today}::date)
        or ((r.fields->>'MD_YCRQ')::date > ${after}::date and (r.fields->>'MD_YCRQ')::date <= ${today}::date))
      on conflict do nothing
    `.execute(trx);
  }
  // A temporary table has no statistics: without them the planner scans every record for a few subjects.
  await sql`analyze grading_targets`.execute(trx);
  const count = await sql<{ n: number }>`select count(*)::int as n from grading_targets`.execute(trx);
  return count.rows[0]?.n ?? 0;
}
