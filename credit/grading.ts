import { chinaToday } from '../ingestion/dates.js';
import type { HubDb } from '../store/database.js';
import { gradeCollectedTargets, gradeEverySubject, tuneGradingTransaction, type GradeWriteResult } from '../store/credit-grade-writes.js';
import { collectGradingTargets, isAfter, lockGradingState, saveGradingState, settledLogPosition, type GradingState } from '../store/credit-grading-state.js';
import { findActiveModelVersion } from '../store/credit-model-queries.js';
import { findModel, modelTables, type CreditConfig, type CreditModel } from './credit-model.js';

export interface GradingDeps {
  readonly db: HubDb;
  /** config.credit: the model versions the hub knows. */
  readonly credit: CreditConfig;
  readonly clock: () => Date;
}

/** What one grading run did; `modelVersion` is null (and nothing graded) while no model is active. */
export interface GradingRun extends GradeWriteResult {
  readonly modelVersion: string | null;
  /** China date the grades are as of. */
  readonly today: string;
  /** record_history.seq the grades reflect (the new watermark). */
  readonly watermark: number;
}

/**
 * Grades the subjects whose grade may have changed since the last run, under the active model, and
 * moves the watermark in the same transaction as the grades (a crash leaves both as they were):
 * subjects with a record change after the watermark in the change log (RECORD_CHANGE), everyone when
 * the active model differs from the last run's (MODEL_ACTIVATION), and subjects with a record
 * crossing a decay band or publication boundary in (graded through, today] (DECAY). Not guarded
 * against concurrent runs: the job runs it under a lease.
 */
export function gradeChangedSubjects(deps: GradingDeps): Promise<GradingRun> {
  return gradingRun(deps, 'changed');
}

/**
 * Grades every subject under the active model (a full run, e.g. after a restore or in a benchmark),
 * with the same watermark bookkeeping as gradeChangedSubjects, which then has nothing left to do.
 */
export function gradeAllSubjects(deps: GradingDeps): Promise<GradingRun> {
  return gradingRun(deps, 'all');
}

async function gradingRun(deps: GradingDeps, scope: 'changed' | 'all'): Promise<GradingRun> {
  const today = chinaToday(deps.clock());
  return deps.db.transaction().execute(async (trx) => {
    // First statement of the transaction: the snapshot that decides which changes are settled.
    const settled = await settledLogPosition(trx);
    const state = await lockGradingState(trx);
    await tuneGradingTransaction(trx);
    const position = settled && isAfter(settled, state.position) ? settled : state.position;
    const model = await activeModel(trx, deps.credit);
    if (!model) return { modelVersion: null, today, watermark: state.position.seq, graded: 0, written: 0, changed: 0 };
    const options = { model: modelTables(model), today, evaluatedAt: deps.clock(), recordSeq: position.seq };
    const modelChanged = state.modelVersion !== model.version;
    let result: GradeWriteResult;
    if (scope === 'all' || state.gradedThrough === null) {
      result = await gradeEverySubject(trx, modelChanged ? 'MODEL_ACTIVATION' : 'RECORD_CHANGE', options);
    } else {
      await collectGradingTargets(trx, {
        from: state.position,
        to: position,
        everyone: modelChanged,
        boundaries: state.gradedThrough < today ? { after: state.gradedThrough, today, ages: boundaryAges(model) } : null,
      });
      result = await gradeCollectedTargets(trx, options);
    }
    const next: GradingState = {
      position,
      gradedThrough: state.gradedThrough !== null && state.gradedThrough > today ? state.gradedThrough : today,
      modelVersion: model.version,
    };
    await saveGradingState(trx, next);
    return { modelVersion: model.version, today, watermark: position.seq, ...result };
  });
}

/** The active model's configuration; throws when the active version is not configured any more. */
async function activeModel(db: HubDb, credit: CreditConfig): Promise<CreditModel | undefined> {
  const version = await findActiveModelVersion(db);
  if (version === undefined) return undefined;
  const model = findModel(credit, version);
  if (!model) throw new Error(`credit model version ${version} is active but not configured (credit.models): configure it again or activate another version`);
  return model;
}

/** Per record kind, the ages (days since the event) at which some indicator's decay factor changes. */
function boundaryAges(model: CreditModel): { kind: string; age: number }[] {
  const ages = new Map<string, { kind: string; age: number }>();
  const add = (kind: string, age: number) => ages.set(`${kind}:${age}`, { kind, age });
  for (const indicator of model.indicators) {
    for (const band of indicator.decay) {
      if (band.fromDay > 0) add(indicator.match.kind, band.fromDay);
      if (band.toDay !== undefined) add(indicator.match.kind, band.toDay + 1);
    }
  }
  return [...ages.values()];
}
