import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, describeIssues } from './config-error.js';

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /** Loopback by default: nothing is exposed until an operator says so. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** postgres://… switches from the embedded database to a PostgreSQL server. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  /** The benchmarks' PostgreSQL server (`--engine postgres`); unset, they start a temporary local one. */
  BENCH_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  HUB_DATA_DIR: z.string().min(1).default('./data'),
  HUB_CONFIG: z.string().min(1).default('config/demo.config.json'),
  /** Run every configured source once at start-up (the demo data, agency pulls). */
  HUB_LOAD_ON_START: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** Where `npm run hub -- token request` finds the hub; default http://localhost:$PORT. */
  HUB_URL: z.url({ protocol: /^https?$/ }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The CLI prints the stack of an unforeseen failure when set (to anything but empty, 0 or false). */
  HUB_CLI_DEBUG: z
    .string()
    .optional()
    .transform((v) => v !== undefined && !['', '0', 'false'].includes(v)),
});

export type Env = z.infer<typeof envSchema>;

/**
 * The only reader of process.env. Every variable X also accepts X_FILE naming a file that holds
 * the value (for secrets mounted as files). Throws ConfigError naming each bad variable, and each
 * X_FILE that cannot be read.
 */
export function readEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const values: Record<string, string | undefined> = {};
  const unreadable: string[] = [];
  for (const key of Object.keys(envSchema.shape)) {
    const file = source[`${key}_FILE`];
    if (!file) {
      values[key] = source[key];
      continue;
    }
    try {
      values[key] = readFileSync(file, 'utf8').trim();
    } catch (error) {
      unreadable.push(`  - ${key}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
  }
  if (unreadable.length > 0) throw new ConfigError(`environment is invalid:\n${unreadable.join('\n')}`);
  const parsed = envSchema.safeParse(values);
  if (!parsed.success) throw new ConfigError(`environment is invalid:\n${describeIssues(parsed.error)}`);
  return parsed.data;
}
