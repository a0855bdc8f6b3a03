import { z } from 'zod';
import { cronExpression } from '../../config/cron-expression.js';
import { mappingSchema } from '../mapping-schema.js';

/** An agency's file-drop source as the config file names it (README, Configuration). */
export const fileDropSourceSchema = z
  .object({
    type: z.literal('file-drop'),
    /** Unique among the agency's sources; default: type and position, e.g. file-drop-1. */
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,39}$/)
      .optional(),
    /** Cron expression with seconds (China time) for regular pickup; none: only at start-up. */
    schedule: cronExpression.optional(),
    /** Folder with the agency's .csv and .jsonl files, relative to the config file. */
    folder: z.string(),
    /** The files' text encoding: UTF-8, or GB18030 (GBK and GB2312 exports are subsets of it). */
    encoding: z.enum(['utf-8', 'gb18030']).default('utf-8'),
    /** After a run, move each file to processed/ (or failed/ when it cannot be read), or keep it in place. */
    afterRun: z.enum(['move', 'keep']).default('move'),
    mapping: mappingSchema,
  })
  .strict();
export type FileDropSourceConfig = z.infer<typeof fileDropSourceSchema>;
