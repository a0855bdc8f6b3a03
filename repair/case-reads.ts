import type { HubDb } from '../store/database.js';
import {
  listObjectionSteps,
  listObjections,
  listRepairRequests,
  listRepairSteps,
  type CaseStepRow,
  type ObjectionFilter,
  type ObjectionRow,
  type RepairRequestFilter,
  type RepairRequestRow,
} from '../store/repair-queries.js';

/** One step of a case's history: who did what, when, with what note. */
export interface CaseStep {
  readonly step: string;
  readonly actor: string;
  readonly at: Date;
  readonly note: string | null;
}

/** A page of cases, each with its steps oldest first. */
export interface CasePage<R> {
  readonly rows: { row: R; steps: CaseStep[] }[];
  readonly hasMore: boolean;
}

/** The page's cases, each with its steps (read by `readSteps` in one query for the whole page). */
async function withSteps<R extends { id: number }>(
  page: { readonly rows: readonly R[]; readonly hasMore: boolean },
  readSteps: (caseIds: number[]) => Promise<CaseStepRow[]>,
): Promise<CasePage<R>> {
  const byCase = new Map<number, CaseStep[]>();
  for (const step of await readSteps(page.rows.map((row) => row.id)))
    byCase.set(step.case_id, [...(byCase.get(step.case_id) ?? []), { step: step.step, actor: step.actor, at: step.at, note: step.note }]);
  return { rows: page.rows.map((row) => ({ row, steps: byCase.get(row.id) ?? [] })), hasMore: page.hasMore };
}

/** Repair requests (a page by the filter, newest first before `beforeId`) with their steps: two queries. */
export async function readRepairRequests(
  db: HubDb,
  filter: RepairRequestFilter,
  first: number,
  beforeId: number | undefined,
): Promise<CasePage<RepairRequestRow>> {
  return withSteps(await listRepairRequests(db, filter, first, beforeId), (ids) => listRepairSteps(db, ids));
}

/** Objections (a page by the filter, newest first before `beforeId`) with their steps: two queries. */
export async function readObjections(db: HubDb, filter: ObjectionFilter, first: number, beforeId: number | undefined): Promise<CasePage<ObjectionRow>> {
  return withSteps(await listObjections(db, filter, first, beforeId), (ids) => listObjectionSteps(db, ids));
}
