import { InvalidInputError } from '../ingestion/errors.js';
import { chinaToday } from '../ingestion/dates.js';
import { completeCommitment, insertDrawWithPopulation, type DrawRow } from '../store/draw-queries.js';
import type { HubDb } from '../store/database.js';
import { CREDIT_CLASSES, DRAW_ALGORITHM, canonicalPool, exclusionPeriod, inspectorPoolDigest, sampleSize } from './draw-algorithm.js';
import { validateDrawRequest, type DrawRequest } from './draw-input.js';
import type { InspectionDeps } from './inspection-deps.js';

/**
 * Commits a 双随机 draw for `agencyCode` (step one of two): freezes the population (filters, minus the
 * period's exclusions) with each subject's credit class, and publishes its digest, the sample per
 * class, the algorithm, the inspector pool digest and the randomness reference. The seed is not known
 * yet. `audit` writes the mutation's audit entry in the same transaction. Throws InvalidInputError for
 * a bad request or an agency whose inspector pool is too small.
 */
export async function commitInspectionDraw(
  deps: InspectionDeps,
  agencyCode: string,
  request: DrawRequest,
  committedBy: string,
  audit: (trx: HubDb) => Promise<void>,
): Promise<DrawRow> {
  const agencyRegion = deps.agencyRegions.get(agencyCode);
  if (!agencyRegion) throw new InvalidInputError(`agencyCode: UNKNOWN_AGENCY — ${JSON.stringify(agencyCode.slice(0, 40))} is not a configured agency`);
  const valid = validateDrawRequest(request, agencyRegion, deps.agencyRegions);
  const pool = canonicalPool(deps.config.inspectors.filter((inspector) => inspector.agency === agencyCode));
  const perTarget = deps.config.inspectorsPerTarget;
  if (pool.length < perTarget) {
    throw new InvalidInputError(`agencyCode: INSPECTOR_POOL — agency ${agencyCode} has ${pool.length} inspectors in inspections.inspectors, fewer than inspections.inspectorsPerTarget (${perTarget})`);
  }
  const committedAt = deps.clock();
  const period = exclusionPeriod(chinaToday(committedAt), deps.config.exclusionPeriod);
  return deps.db.transaction().execute(async (trx) => {
    const frozen = await insertDrawWithPopulation(trx, {
      agencyCode,
      ...valid,
      algorithm: DRAW_ALGORITHM,
      inspectorsPerTarget: perTarget,
      pool,
      poolDigest: inspectorPoolDigest(pool),
      periodStart: period.start,
      periodEnd: period.end,
      ungradedAs: deps.supervision.ungradedAs,
      committedAt,
      committedBy,
    });
    const classes = CREDIT_CLASSES.map((cls) => {
      const population = frozen.countsByClass.get(cls) ?? 0;
      const ratio = deps.supervision.classes[cls].samplingRatio;
      return { class: cls, population, ratio, sample: sampleSize(population, ratio) };
    });
    const row = await completeCommitment(trx, frozen, classes);
    await audit(trx);
    return row;
  });
}
