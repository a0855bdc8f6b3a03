import { z } from 'zod';
import { commonSourceFields } from '../source-fields.js';

/** An agency's file-drop source as the config file names it (README, Configuration). */
export const fileDropSourceSchema = z
  .object({
    type: z.literal('file-drop'),
    /** Folder with the agency's .csv and .jsonl files, relative to the config file. */
    folder: z.string(),
    /** The files' text encoding: UTF-8, or GB18030 (GBK and GB2312 exports are subsets of it). */
    encoding: z.enum(['utf-8', 'gb18030']).default('utf-8'),
    /** After a run, move each file to processed/ (or failed/ when it cannot be read), or keep it in place. */
    afterRun: z.enum(['move', 'keep']).default('move'),
    ...commonSourceFields,
  })
  .strict();
export type FileDropSourceConfig = z.infer<typeof fileDropSourceSchema>;
