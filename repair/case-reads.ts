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

function withSteps<R extends { id: number }>(rows: readonly R[], steps: readonly CaseStepRow[]): { row: R; steps: CaseStep[] }[] {
  const byCase = new Map<number, CaseStep[]>();
  for (const step of steps)
    byCase.set(step.case_id, [...(byCase.get(step.case_id) ?? []), { step: step.step, actor: step.actor, at: step.at, note: step.note }]);
  return rows.map((row) => ({ row, steps: byCase.get(row.id) ?? [] }));
}

/** Repair requests (a page by the filter, newest first before `beforeId`) with their steps: two queries. */
export async function readRepairRequests(
  db: HubDb,
  filter: RepairRequestFilter,
  first: number,
  beforeId: number | undefined,
): Promise<CasePage<RepairRequestRow>> {
  const page = await listRepairRequests(db, filter, first, beforeId);
  return {
    rows: withSteps(
      page.rows,
      await listRepairSteps(
        db,
        page.rows.map((row) => row.id),
      ),
    ),
    hasMore: page.hasMore,
  };
}

/** Objections (a page by the filter, newest first before `beforeId`) with their steps: two queries. */
export async function readObjections(db: HubDb, filter: ObjectionFilter, first: number, beforeId: number | undefined): Promise<CasePage<ObjectionRow>> {
  const page = await listObjections(db, filter, first, beforeId);
  return {
    rows: withSteps(
      page.rows,
      await listObjectionSteps(
        db,
        page.rows.map((row) => row.id),
      ),
    ),
    hasMore: page.hasMore,
  };
}
