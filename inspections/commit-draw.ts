import { ConflictError } from '../ingestion/errors.js';
import { chinaToday } from '../ingestion/dates.js';
import { completeCommitment, insertDrawWithPopulation, type DrawRow } from '../store/draw-queries.js';
import { findOpenDraw, storeRandomnessSource } from '../store/draw-rules-queries.js';
import type { HubDb } from '../store/database.js';
import { CREDIT_CLASSES, DRAW_ALGORITHM, canonicalPool, exclusionPeriod, inspectorPoolDigest, sampleSize } from './draw-algorithm.js';
import { DrawInputError } from './draw-errors.js';
import { validateDrawRequest, type DrawRequest } from './draw-input.js';
import type { InspectionDeps } from './inspection-deps.js';
import { parseRandomnessReference } from './randomness-source.js';

const UNIQUE_VIOLATION = '23505';

const openDrawConflict = (agencyCode: string, open: string) =>
  new ConflictError(
    `agency ${agencyCode} has an open draw in this period (${open}): execute or cancel it before committing another (one open draw per agency and period)`,
  );

/**
 * Commits a 双随机 draw for `agencyCode` (step one of two): freezes the population (filters, minus the
 * period's exclusions) with each subject's credit class, and publishes its digest, the sample per
 * class, the algorithm, the inspector pool digest and the randomness reference. The seed is not known
 * yet. `audit` writes the mutation's audit entry in the same transaction. Throws DrawInputError for a
 * bad request, a randomness reference that is not a later drand round or an operator value, or an
 * agency whose inspector pool is too small; ConflictError when the agency has an open draw in the period.
 */
export async function commitInspectionDraw(
  deps: InspectionDeps,
  agencyCode: string,
  request: DrawRequest,
  committedBy: string,
  audit: (trx: HubDb) => Promise<void>,
): Promise<DrawRow> {
  const agencyRegion = deps.agencyRegions.get(agencyCode);
  if (!agencyRegion) throw new DrawInputError('agencyCode', 'UNKNOWN_AGENCY', `${JSON.stringify(agencyCode.slice(0, 40))} is not a configured agency`);
  const valid = validateDrawRequest(request, agencyRegion, deps.agencyRegions);
  const pool = canonicalPool(deps.config.inspectors.filter((inspector) => inspector.agency === agencyCode));
  const perTarget = deps.config.inspectorsPerTarget;
  if (pool.length < perTarget) {
    throw new DrawInputError(
      'agencyCode',
      'INSPECTOR_POOL',
      `agency ${agencyCode} has ${pool.length} inspectors in inspections.inspectors, fewer than inspections.inspectorsPerTarget (${perTarget})`,
    );
  }
  const committedAt = deps.clock();
  const source = parseRandomnessReference(valid.randomnessReference, committedAt);
  const period = exclusionPeriod(chinaToday(committedAt), deps.config.exclusionPeriod);
  return deps.db.transaction().execute(async (trx) => {
    const open = await findOpenDraw(trx, agencyCode, period.start);
    if (open) throw openDrawConflict(agencyCode, open);
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
    }).catch((error: unknown) => {
      // Two commitments at once: the unique index inspection_draws_one_open lets one through.
      if ((error as { code?: unknown } | null)?.code === UNIQUE_VIOLATION) throw openDrawConflict(agencyCode, 'committed at the same time');
      throw error;
    });
    await storeRandomnessSource(trx, frozen.id, source);
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
