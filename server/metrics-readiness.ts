import type { ScheduledTask } from 'node-cron';
import type { MetricsConfig } from '../config/metrics-schema.js';
import { inChinaTime } from '../ingestion/dates.js';
import type { JobRunOutcome } from '../jobs/scheduler.js';

/** A required job that has not completed for longer than it may: what /readyz names. */
export interface OverdueJob {
  readonly job: string;
  /** When it last completed in this process, in China time with its offset as the API gives times (`2026-12-02T11:25:00.000+08:00`), or null if it has not since the schedules started. */
  readonly lastCompletedAt: string | null;
  readonly requiredWithinSeconds: number;
}

interface Watched {
  readonly requiredWithinSeconds: number;
  /** The last completion, or when the schedules started. */
  since: Date;
  completed: boolean;
}

/** The longest gap between the next firings of a cron task, in seconds (cron gaps vary: '0 0 9,17 * * *'). */
function longestGapSeconds(task: ScheduledTask): number {
  const runs = task.getNextRuns(8).map((date) => date.getTime());
  let longest = 0;
  for (let i = 1; i < runs.length; i++) longest = Math.max(longest, ((runs[i] ?? 0) - (runs[i - 1] ?? 0)) / 1000);
  return Math.ceil(longest);
}

/**
 * Which scheduled jobs are overdue, so /readyz fails and an orchestrator restarts a hub whose jobs
 * are stuck. A job is required unless its `requiredWithinSeconds` is 0; it is overdue when it has not
 * completed for longer than that (default: `missedRuns` gaps of its cron plus `graceSeconds`),
 * counted from the start of the schedules until its first completion. Completed means succeeded, or
 * skipped because another hub process held the job's lease (it runs there). A connector job completes
 * when its run is recorded, even as FAILED: an agency's outage shows in connector health and metrics,
 * since restarting the hub would not mend it.
 */
export class JobReadiness {
  readonly #jobs = new Map<string, Watched>();

  constructor(
    private readonly rules: MetricsConfig['readiness'],
    private readonly clock: () => Date,
  ) {}

  /** Starts watching a job that was just scheduled. */
  watch(job: string, task: ScheduledTask): void {
    const requiredWithinSeconds = this.rules.requiredWithinSeconds[job] ?? this.rules.missedRuns * longestGapSeconds(task) + this.rules.graceSeconds;
    if (requiredWithinSeconds > 0) this.#jobs.set(job, { requiredWithinSeconds, since: this.clock(), completed: false });
  }

  /** The scheduler's hook (beside the metrics'). */
  readonly jobRunFinished = (job: string, outcome: JobRunOutcome): void => {
    const watched = this.#jobs.get(job);
    if (!watched || outcome === 'failed') return;
    watched.since = this.clock();
    watched.completed = true;
  };

  overdue(): OverdueJob[] {
    const now = this.clock().getTime();
    return [...this.#jobs]
      .filter(([, watched]) => now - watched.since.getTime() > watched.requiredWithinSeconds * 1000)
      .map(([job, watched]) => ({
        job,
        lastCompletedAt: watched.completed ? inChinaTime(watched.since) : null,
        requiredWithinSeconds: watched.requiredWithinSeconds,
      }));
  }
}
