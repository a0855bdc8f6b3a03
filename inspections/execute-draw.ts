import { ConflictError, NotFoundError } from '../ingestion/errors.js';
import { findDraw, listTargets, storeDrawExecution, type DrawRow, type TargetRow } from '../store/draw-queries.js';
import type { HubDb } from '../store/database.js';
import { validateSeed } from './draw-input.js';
import type { InspectionDeps } from './inspection-deps.js';

/** Refused: the draw belongs to another agency. */
export class NotDrawOwnerError extends Error {
  constructor(readonly agencyCode: string) {
    super(`inspection draws are executed by the agency that committed them (${agencyCode})`);
  }
}

/** Who executes: admins may execute any draw, an agency client only its own agency's. */
export interface Executor {
  readonly clientId: string;
  readonly agencyCode: string | undefined;
  readonly isAdmin: boolean;
}

/**
 * Executes a committed draw with `seed` (step two): deterministic from the frozen population, the seed
 * and the algorithm, in SQL. `audit` receives the targets and writes the mutation's audit entry in the
 * same transaction. Throws NotFoundError, NotDrawOwnerError, ConflictError when already executed, or
 * InvalidInputError for a bad seed.
 */
export async function executeInspectionDraw(
  deps: InspectionDeps,
  id: string,
  seed: string,
  executor: Executor,
  audit: (trx: HubDb, targets: readonly TargetRow[]) => Promise<void>,
): Promise<DrawRow> {
  const validSeed = validateSeed(seed);
  return deps.db.transaction().execute(async (trx) => {
    const draw = await findDraw(trx, id, true);
    if (!draw) throw new NotFoundError(`no inspection draw ${JSON.stringify(id.slice(0, 40))}`);
    if (!executor.isAdmin && executor.agencyCode !== draw.agency_code) throw new NotDrawOwnerError(draw.agency_code);
    if (draw.executed_at) throw new ConflictError(`inspection draw ${draw.id} was executed at ${draw.executed_at.toISOString()}: a draw is executed once`);
    await storeDrawExecution(trx, draw, validSeed, deps.clock(), executor.clientId);
    await audit(trx, await listTargets(trx, draw.id, undefined, undefined));
    const executed = await findDraw(trx, id);
    if (!executed) throw new Error('inspection draw vanished during its execution');
    return executed;
  });
}
