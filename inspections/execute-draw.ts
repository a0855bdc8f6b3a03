import { ConflictError, NotFoundError } from '../ingestion/errors.js';
import { findDraw, listTargets, storeDrawExecution, type DrawRow, type TargetRow } from '../store/draw-queries.js';
import type { HubDb } from '../store/database.js';
import { NotDrawOwnerError, SeedByOperatorError } from './draw-errors.js';
import { validateSeed } from './draw-input.js';
import type { InspectionDeps } from './inspection-deps.js';
import { checkDrandSeed } from './randomness-source.js';

export { NotDrawOwnerError } from './draw-errors.js';

/** Who executes: admins may execute any draw, an agency client only its own agency's. */
export interface Executor {
  readonly clientId: string;
  readonly agencyCode: string | undefined;
  readonly isAdmin: boolean;
}

/**
 * Executes a committed draw with `seed` (step two): deterministic from the frozen population, the seed
 * and the algorithm, in SQL. `audit` receives the targets and writes the mutation's audit entry in the
 * same transaction. A drand draw is executed by its agency (or an admin) once its round is published,
 * with the round's randomness; an operator-value draw by an admin client other than its committer.
 * Throws NotFoundError, NotDrawOwnerError, SeedByOperatorError, ConflictError when already executed or
 * cancelled, or DrawInputError for a bad seed or a drand round not yet published.
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
    if (draw.randomness_source.kind === 'OPERATOR') {
      if (!executor.isAdmin || executor.clientId === draw.committed_by) throw new SeedByOperatorError();
    } else if (!executor.isAdmin && executor.agencyCode !== draw.agency_code) {
      throw new NotDrawOwnerError(draw.agency_code);
    }
    if (draw.cancelled_at) throw new ConflictError(`inspection draw ${draw.id} was cancelled at ${draw.cancelled_at.toISOString()}: it cannot be executed`);
    if (draw.executed_at) throw new ConflictError(`inspection draw ${draw.id} was executed at ${draw.executed_at.toISOString()}: a draw is executed once`);
    if (draw.randomness_source.kind === 'DRAND_QUICKNET') checkDrandSeed(draw.randomness_source, validSeed, deps.clock());
    await storeDrawExecution(trx, draw, validSeed, deps.clock(), executor.clientId);
    await audit(trx, await listTargets(trx, draw.id, undefined, undefined));
    const executed = await findDraw(trx, id);
    if (!executed) throw new Error('inspection draw vanished during its execution');
    return executed;
  });
}
