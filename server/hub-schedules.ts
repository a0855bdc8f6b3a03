import type { ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import type { CheckpointDeps } from '../audit/checkpoints.js';
import { EXPIRE_RECORDS_JOB, runExpireRecords } from '../jobs/expire-records.js';
import { GRADE_SUBJECTS_JOB, runGradeSubjects } from '../jobs/grade-subjects.js';
import { scheduleJob, type JobSchedule } from '../jobs/scheduler.js';
import { runSignCheckpoint, SIGN_CHECKPOINT_JOB } from '../jobs/sign-checkpoint.js';
import type { HubDb } from '../store/database.js';
import type { WiredConnectors } from './connector-wiring.js';
import type { HubConfig } from './hub-config.js';
import type { HubObservers } from './metrics-wiring.js';

export interface HubJobsDeps {
  readonly config: HubConfig;
  readonly db: HubDb;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly checkpoints: CheckpointDeps;
  readonly connectors: WiredConnectors;
}

/** The hub's scheduled jobs: record expiry, grading, audit checkpoints, and each connector with a `schedule`. */
export function hubJobs(deps: HubJobsDeps): JobSchedule[] {
  const { config, db, clock, logger } = deps;
  return [
    // The outcome itself, so a run skipped for another process's lease is reported as skipped.
    { name: EXPIRE_RECORDS_JOB, ...config.jobs.expireRecords, run: () => runExpireRecords({ db, clock, logger }) },
    { name: GRADE_SUBJECTS_JOB, ...config.jobs.gradeSubjects, run: () => runGradeSubjects({ db, credit: config.credit, clock, logger }) },
    { name: SIGN_CHECKPOINT_JOB, cron: config.auth.checkpointCron, enabled: true, run: () => runSignCheckpoint({ ...deps.checkpoints, logger }) },
    ...deps.connectors.scheduledJobs(),
  ];
}

/**
 * Schedules every enabled job, watched by the observers (metrics, readiness). All or nothing: when
 * one cannot be scheduled (its cron expression is invalid), those scheduled before are stopped and
 * the error, naming the job, is thrown.
 */
export function scheduleJobs(jobs: readonly JobSchedule[], logger: Logger, observers: HubObservers): ScheduledTask[] {
  const tasks: ScheduledTask[] = [];
  try {
    for (const job of jobs) {
      const task = scheduleJob(job, logger, observers.jobRunFinished);
      if (!task) continue;
      tasks.push(task);
      observers.readiness.watch(job.name, task);
    }
  } catch (error) {
    for (const task of tasks) void task.destroy();
    throw error;
  }
  return tasks;
}

/** Stops scheduled tasks for good; a run in progress finishes on its own. */
export async function stopScheduledTasks(tasks: readonly ScheduledTask[]): Promise<void> {
  for (const task of tasks) await task.destroy();
}
