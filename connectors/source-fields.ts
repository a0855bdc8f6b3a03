import { z } from 'zod';
import { cronExpression } from '../config/cron-expression.js';
import { mappingSchema } from './mapping-schema.js';

/** The fields every connector type's source has in the config file; each type's schema adds its own. */
export const commonSourceFields = {
  /** Unique among the agency's sources; default: type and position, e.g. file-drop-1. */
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,39}$/)
    .optional(),
  /** Cron expression with seconds (China time) for regular runs; none: only at start-up and on demand. */
  schedule: cronExpression.optional(),
  /** How the agency's rows become standard records (README, Configuration). */
  mapping: mappingSchema,
};
