import type { Logger } from 'pino';
import { gradeChangedSubjects, type GradingDeps, type GradingRun } from '../credit/grading.js';
import { withLease, type LeasedResult } from './with-lease.js';

export interface GradeSubjectsDeps extends GradingDeps {
  readonly logger: Logger;
}

export const GRADE_SUBJECTS_JOB = 'grade-subjects';

/**
 * Grades the subjects whose records changed or crossed a decay or publication boundary since the
 * last run, or everyone after a model activation (credit/grading.ts). Skipped (ran: false) when
 * another process is running it.
 */
export async function runGradeSubjects(deps: GradeSubjectsDeps): Promise<LeasedResult<GradingRun>> {
  const outcome = await withLease(deps.db, `job:${GRADE_SUBJECTS_JOB}`, () => gradeChangedSubjects(deps));
  if (!outcome.ran) deps.logger.info({ job: GRADE_SUBJECTS_JOB }, 'skipped: running in another hub process');
  else if (outcome.result.modelVersion === null) deps.logger.warn({ job: GRADE_SUBJECTS_JOB }, 'no credit model is active: nothing graded');
  else if (outcome.result.graded > 0) deps.logger.info({ job: GRADE_SUBJECTS_JOB, ...outcome.result }, 'subjects graded');
  return outcome;
}
