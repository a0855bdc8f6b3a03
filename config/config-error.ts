import type { z } from 'zod';

/** Thrown at start-up (or on a reload) with every problem of the config file, each naming its key. */
export class ConfigError extends Error {}

/** One line per problem, each naming its key, as a ConfigError message lists them. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`).join('\n');
}
