import { ConfigError } from '../config/config-error.js';
import { inChinaTime } from '../ingestion/dates.js';
import { ConflictError, InvalidInputError } from '../ingestion/errors.js';
import type { HubDb } from '../store/database.js';
import { compareModelGrades, populationStabilityIndex, tuneGradingTransaction } from '../store/credit-grade-writes.js';
import { countUngradedSubjects } from '../store/credit-read-queries.js';
import { findActiveModelVersion, insertModelVersion, listModelVersions, markModelVersionActive } from '../store/credit-model-queries.js';
import { findModel, modelFingerprint, modelTables, type CreditClass, type CreditConfig } from './credit-model.js';

const CLASSES: readonly CreditClass[] = ['A', 'B', 'C', 'D'];
/**
 * The share an empty class is given in the PSI, so that ln(c/a) stays finite (a common choice:
 * 0.0001). It only matters when a class is empty on one side: a class that empties (or fills) adds
 * (share − 0.0001)·ln(share / 0.0001), so one enterprise of 4 moving into an empty class reads ≈ 2.
 */
export const PSI_EMPTY_CLASS_SHARE = '0.0001';

/**
 * Called at start-up: records every configured model version the hub has not seen (with its
 * fingerprint) and, when no version has ever been active, activates `initialVersion` (by 'config').
 * Throws ConfigError naming the key when a version the hub has seen was edited since: a change to a
 * model is published as a new version, never by editing the old one.
 */
export async function registerModelVersions(db: HubDb, credit: CreditConfig, clock: () => Date): Promise<void> {
  const known = new Map((await listModelVersions(db)).map((row) => [row.version, row]));
  const edited = credit.models.flatMap((model, index) => {
    const seen = known.get(model.version);
    return seen && seen.fingerprint !== modelFingerprint(model)
      ? [
          `  - credit.models.${index}: version ${model.version} differs from the one first seen on ${seen.firstSeenAt.toISOString()}: publish the change as a new version`,
        ]
      : [];
  });
  if (edited.length > 0) throw new ConfigError(`credit model configuration is invalid:\n${edited.join('\n')}`);
  for (const model of credit.models) {
    if (!known.has(model.version)) await insertModelVersion(db, model.version, modelFingerprint(model), clock());
  }
  if ((await findActiveModelVersion(db)) === undefined) await markModelVersionActive(db, credit.initialVersion, 'config', clock());
}

/**
 * Makes `version` the active model (the grading job then regrades every subject, cause
 * MODEL_ACTIVATION, within its next run). The caller writes the audit entry. Throws
 * InvalidInputError (BAD_USER_INPUT) when the version is not one the hub knows from its configuration.
 * Returns the version active before.
 */
export async function activateModelVersion(
  db: HubDb,
  version: string,
  by: string,
  clock: () => Date,
): Promise<{ version: string; previousVersion: string | null; activatedAt: Date }> {
  const previous = await findActiveModelVersion(db);
  const activatedAt = clock();
  if (!(await markModelVersionActive(db, version, by, activatedAt))) throw unknownVersion(version);
  return { version, previousVersion: previous ?? null, activatedAt };
}

export type ClassCounts = Readonly<Record<CreditClass, number>>;

/** How a candidate model would grade the population, against the active model run on the same day. */
export interface ModelComparison {
  readonly candidateVersion: string;
  /** The active version, or null when none is. */
  readonly currentVersion: string | null;
  /** Subjects (enterprises) graded by both: all of them. */
  readonly population: number;
  /** The active model run today over the whole population (not the stored grades); all 0 when no version is active. */
  readonly current: ClassCounts;
  /**
   * Not part of the comparison: enterprises with no stored grade yet (the grading job has not reached
   * them), a hint that the stored grades lag behind what `current` shows.
   */
  readonly ungraded: number;
  readonly candidate: ClassCounts;
  /** Non-empty (from → to) pairs, from the active model's class (null: no version is active); sorted. */
  readonly transitions: readonly { from: CreditClass | null; to: CreditClass; count: number }[];
  /**
   * Population stability index Σ (c − a)·ln(c / a) over classes A–D (a: the active model's share, c:
   * the candidate's), computed in SQL numeric with PSI_EMPTY_CLASS_SHARE for an empty class, as a
   * decimal string rounded to 4 places; 0 for a model compared with itself; null when no version is
   * active. Common reading: below 0.1 stable, 0.1–0.25 some shift, above 0.25 a large shift.
   */
  readonly psi: string | null;
}

/**
 * Runs the active model and the configured model `version` over every subject on `today` (China
 * date), in one read-only transaction, and compares them on the same records: the candidate's shift
 * is the model's, not the stored grades' lag. Throws InvalidInputError when the version is not
 * configured. Costs two full grading passes: an admin operation, one at a time (oneEvaluationAtATime).
 */
export async function compareModels(
  db: HubDb,
  options: { readonly credit: CreditConfig; readonly version: string; readonly today: string },
): Promise<ModelComparison> {
  const model = findModel(options.credit, options.version);
  if (!model) throw unknownVersion(options.version);
  return db.transaction().execute(async (trx) => {
    const currentVersion = (await findActiveModelVersion(trx)) ?? null;
    await tuneGradingTransaction(trx);
    const active = currentVersion === null ? undefined : findModel(options.credit, currentVersion);
    if (currentVersion !== null && !active) throw new Error(`credit model version ${currentVersion} is active but not configured (credit.models)`);
    const { transitions } = await compareModelGrades(trx, active ? modelTables(active) : null, modelTables(model), options.today);
    const current = countBy(transitions, 'from');
    const candidate = countBy(transitions, 'to');
    const psi = active
      ? await populationStabilityIndex(
          trx,
          CLASSES.map((c) => ({ before: current[c], after: candidate[c] })),
          PSI_EMPTY_CLASS_SHARE,
        )
      : null;
    return {
      candidateVersion: model.version,
      currentVersion,
      population: transitions.reduce((sum, t) => sum + t.count, 0),
      current,
      ungraded: await countUngradedSubjects(trx),
      candidate,
      transitions: transitions as ModelComparison['transitions'],
      psi,
    };
  });
}

/** A model evaluation in progress. */
export interface RunningEvaluation {
  readonly version: string;
  readonly requestedBy: string;
  readonly startedAt: Date;
}

/** Refusal of a model evaluation while another runs; names the one running. */
export class EvaluationRunningError extends ConflictError {
  constructor(readonly running: RunningEvaluation) {
    super(
      `a model evaluation is already running (version ${running.version}, requested by ${running.requestedBy} at ${inChinaTime(running.startedAt)}): one runs at a time; ask again when it has answered`,
    );
  }
}

/**
 * Wraps `evaluate` so that one evaluation runs at a time in this hub: each is two full grading
 * passes, and a second at once would only compete for the same cores. A second call while one runs is
 * refused at once with EvaluationRunningError.
 */
export function oneEvaluationAtATime(
  evaluate: (version: string) => Promise<ModelComparison>,
  clock: () => Date,
): (version: string, requestedBy: string) => Promise<ModelComparison> {
  let running: RunningEvaluation | undefined;
  return async (version, requestedBy) => {
    if (running) throw new EvaluationRunningError(running);
    running = { version, requestedBy, startedAt: clock() };
    try {
      return await evaluate(version);
    } finally {
      running = undefined;
    }
  };
}

function countBy(transitions: readonly { from: string | null; to: string; count: number }[], side: 'from' | 'to'): ClassCounts {
  const counts: Record<CreditClass, number> = { A: 0, B: 0, C: 0, D: 0 };
  for (const t of transitions) {
    const key = t[side];
    if (key === 'A' || key === 'B' || key === 'C' || key === 'D') counts[key] += t.count;
  }
  return counts;
}

function unknownVersion(version: string): InvalidInputError {
  return new InvalidInputError(`version: ${JSON.stringify(version.slice(0, 40))} is not a configured credit model version (credit.models)`);
}
