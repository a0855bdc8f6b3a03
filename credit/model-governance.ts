import { ConfigError } from '../config/hub-config.js';
import { InvalidInputError } from '../ingestion/errors.js';
import type { HubDb } from '../store/database.js';
import { compareWithStoredGrades, populationStabilityIndex } from '../store/credit-grade-writes.js';
import { findActiveModelVersion, insertModelVersion, listModelVersions, markModelVersionActive } from '../store/credit-model-queries.js';
import { findModel, modelFingerprint, modelTables, type CreditClass, type CreditConfig } from './credit-model.js';

const CLASSES: readonly CreditClass[] = ['A', 'B', 'C', 'D'];
/** The share an empty class is given in the PSI, so that ln(c/a) stays finite (a common choice: 0.0001). */
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
      ? [`  - credit.models.${index}: version ${model.version} differs from the one first seen on ${seen.firstSeenAt.toISOString()}: publish the change as a new version`]
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
export async function activateModelVersion(db: HubDb, version: string, by: string, clock: () => Date): Promise<{ version: string; previousVersion: string | null; activatedAt: Date }> {
  const previous = await findActiveModelVersion(db);
  const activatedAt = clock();
  if (!(await markModelVersionActive(db, version, by, activatedAt))) throw unknownVersion(version);
  return { version, previousVersion: previous ?? null, activatedAt };
}

export type ClassCounts = Readonly<Record<CreditClass, number>>;

/** How a candidate model would grade the population, against the grades stored now. */
export interface ModelComparison {
  readonly candidateVersion: string;
  /** The active version, or null when none is. */
  readonly currentVersion: string | null;
  /** Subjects (enterprises) graded by the candidate: all of them. */
  readonly population: number;
  /** Stored grades by class; subjects not graded yet are counted in `ungraded`. */
  readonly current: ClassCounts;
  readonly ungraded: number;
  readonly candidate: ClassCounts;
  /** Non-empty (from → to) pairs, from 'UNGRADED' for subjects without a stored grade; sorted. */
  readonly transitions: readonly { from: CreditClass | 'UNGRADED'; to: CreditClass; count: number }[];
  /**
   * Population stability index Σ (c − a)·ln(c / a) over classes A–D (a: stored share among graded
   * subjects, c: candidate share), computed in SQL numeric with PSI_EMPTY_CLASS_SHARE for an empty
   * class, as a decimal string rounded to 4 places; null when nothing is graded yet. Common reading:
   * below 0.1 stable, 0.1–0.25 some shift, above 0.25 a large shift.
   */
  readonly psi: string | null;
}

/**
 * Runs the configured model `version` over every subject on `today` (China date) without writing
 * any grade, and compares it with the stored grades. Throws InvalidInputError when the version is
 * not configured. Costs a full grading pass: an admin operation.
 */
export async function compareModels(db: HubDb, options: { readonly credit: CreditConfig; readonly version: string; readonly today: string }): Promise<ModelComparison> {
  const model = findModel(options.credit, options.version);
  if (!model) throw unknownVersion(options.version);
  const { transitions } = await compareWithStoredGrades(db, modelTables(model), options.today);
  const current = countBy(transitions, 'from');
  const candidate = countBy(transitions, 'to');
  const psi = await populationStabilityIndex(db, CLASSES.map((c) => ({ before: current[c], after: candidate[c] })), PSI_EMPTY_CLASS_SHARE);
  return {
    candidateVersion: model.version,
    currentVersion: (await findActiveModelVersion(db)) ?? null,
    population: transitions.reduce((sum, t) => sum + t.count, 0),
    current,
    ungraded: transitions.filter((t) => t.from === 'UNGRADED').reduce((sum, t) => sum + t.count, 0),
    candidate,
    transitions: transitions as ModelComparison['transitions'],
    psi,
  };
}

function countBy(transitions: readonly { from: string; to: string; count: number }[], side: 'from' | 'to'): ClassCounts {
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
