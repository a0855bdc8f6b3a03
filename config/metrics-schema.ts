import { z } from 'zod';

/** How long a required job may go without completing, and how that is worked out when not given. */
const readinessSchema = z
  .object({
    /**
     * Seconds a scheduled job (by name: `expire-records`, `sign-audit-checkpoint`,
     * `connector:<AGENCY>/<source>`) may go without completing before /readyz fails; 0: not required.
     * A job not named here gets `missedRuns` times the gap between its cron's firings, plus `graceSeconds`.
     */
    requiredWithinSeconds: z
      .record(
        z.string().min(1).max(120),
        z
          .number()
          .int()
          .min(0)
          .max(366 * 86_400),
      )
      .default({}),
    missedRuns: z.number().int().min(1).max(100).default(2),
    graceSeconds: z.number().int().min(0).max(86_400).default(300),
  })
  .strict();

/** Prometheus metrics at /metrics and the readiness rule for scheduled jobs; see README, Metrics and health. */
export const metricsSchema = z
  .object({
    enabled: z.boolean().default(true),
    /**
     * `admin-token`: /metrics on the API port, for an admin client's bearer token only. `port`: on a
     * separate port bound to 127.0.0.1 (no token), and not on the API port at all.
     */
    access: z.enum(['admin-token', 'port']).default('admin-token'),
    /** The loopback port of `access: port`. */
    port: z.number().int().min(1).max(65_535).optional(),
    readiness: readinessSchema.prefault({}),
  })
  .strict()
  .refine((metrics) => metrics.access !== 'port' || metrics.port !== undefined, { error: 'access "port" needs a port (1-65535)', path: ['port'] });

export type MetricsConfig = z.infer<typeof metricsSchema>;
