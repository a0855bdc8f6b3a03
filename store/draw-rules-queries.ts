import { sql } from 'kysely';
import type { HubDb } from './database.js';

/** The agency's open (unexecuted, not cancelled) draw in the period starting `periodStart`, if any. */
export async function findOpenDraw(db: HubDb, agencyCode: string, periodStart: string): Promise<string | undefined> {
  const result = await sql<{ id: string }>`
    select id from inspection_draws
    where agency_code = ${agencyCode} and period_start = ${periodStart}::date and executed_at is null and cancelled_at is null
  `.execute(db);
  return result.rows[0]?.id;
}

/** Stores a commitment's randomness source (structured: see inspections/randomness-source.ts). */
export async function storeRandomnessSource(trx: HubDb, drawId: string, source: object): Promise<void> {
  await sql`update inspection_draws set randomness_source = ${JSON.stringify(source)}::jsonb where id = ${drawId}`.execute(trx);
}

/** Withdraws a commitment: it stays published, as cancelled, with who cancelled it, when and why. */
export async function storeDrawCancellation(trx: HubDb, drawId: string, at: Date, by: string, reason: string): Promise<void> {
  await sql`update inspection_draws set cancelled_at = ${at}, cancelled_by = ${by}, cancel_reason = ${reason} where id = ${drawId}`.execute(trx);
}

/** A page of a draw's targets in USCC byte order (an order that tells nothing of their classes); `after` is the last USCC seen. */
export async function listTargetsByUscc(
  db: HubDb,
  drawId: string,
  limit: number,
  after: string | undefined,
): Promise<{ uscc: string; inspectors: string[] }[]> {
  const result = await sql<{ uscc: string; inspectors: string[] }>`
    select uscc, inspectors from inspection_draw_targets
    where draw_id = ${drawId} ${after === undefined ? sql`` : sql`and uscc > ${after}`}
    order by uscc limit ${limit + 1}
  `.execute(db);
  return result.rows;
}

/**
 * Of the (draw id, subject) pairs, those where the draw is an executed draw of `agencyCode` and
 * drew the subject, each as `${drawId}\n${uscc}`.
 */
export async function drawnByAgency(db: HubDb, agencyCode: string, pairs: readonly { drawId: string; uscc: string }[]): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const result = await sql<{ pair: string }>`
    select p.draw_id || E'\\n' || p.uscc as pair
    from unnest(${pairs.map((p) => p.drawId)}::text[], ${pairs.map((p) => p.uscc)}::text[]) as p(draw_id, uscc)
    join inspection_draws d on d.id = p.draw_id and d.agency_code = ${agencyCode} and d.executed_at is not null
    join inspection_draw_targets t on t.draw_id = d.id and t.uscc = p.uscc
  `.execute(db);
  return new Set(result.rows.map((row) => row.pair));
}
