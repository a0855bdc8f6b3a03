import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';

export interface JobSchedule {
  readonly name: string;
  /** Cron expression with seconds, e.g. '0 5 0 * * *' (00:05:00 daily). */
  readonly cron: string;
  readonly enabled: boolean;
  /** Resolving `{ ran: false }` (a LeasedResult) means skipped: another hub process runs the job now. */
  readonly run: () => Promise<unknown>;
}

/** How one scheduled run ended: `skipped` when another hub process held the job's lease. */
export type JobRunOutcome = 'succeeded' | 'failed' | 'skipped';

/** Told of every scheduled run as it ends (e.g. metrics, readiness); must not throw. */
export type JobRunObserver = (job: string, outcome: JobRunOutcome, seconds: number) => void;

const wasSkipped = (result: unknown): boolean => typeof result === 'object' && result !== null && 'ran' in result && result.ran === false;

/** Every schedule is read in China Standard Time, the time agencies and rules work in. */
export const SCHEDULE_TIMEZONE = 'Asia/Shanghai';

/**
 * Schedules a job body. Returns null when the job is disabled; throws naming the job when its cron
 * expression is invalid. In-process overlap is prevented here; across processes the job body
 * guards itself with a lease (withLease). A failing run is logged and the schedule goes on. `observe`
 * hears how each run ended.
 */
export function scheduleJob(job: JobSchedule, logger: Logger, observe?: JobRunObserver): ScheduledTask | null {
  if (!job.enabled) return null;
  if (!cron.validate(job.cron)) throw new Error(`job ${job.name}: cron expression "${job.cron}" is invalid`);
  const log = logger.child({ job: job.name });
  return cron.schedule(
    job.cron,
    async () => {
      const started = performance.now();
      let outcome: JobRunOutcome = 'failed';
      try {
        outcome = wasSkipped(await job.run()) ? 'skipped' : 'succeeded';
      } catch (error) {
        log.error({ err: error }, 'scheduled run failed');
      } finally {
        observe?.(job.name, outcome, (performance.now() - started) / 1000);
      }
    },
    {
      name: job.name,
      timezone: SCHEDULE_TIMEZONE,
      noOverlap: true,
      logger: {
        info: (message) => {
          log.debug(message);
        },
        warn: (message) => {
          log.warn(message);
        },
        error: (message, err) => {
          log.error({ err }, String(message));
        },
        debug: (message) => {
          log.debug(String(message));
        },
      },
    },
  );
}
