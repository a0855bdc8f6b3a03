import { z } from 'zod';
import { agencyCode, usccCode } from '../ingestion/identifier-schemas.js';

/** One inspector (执法检查人员) of the pool 双随机 draws pick from. */
const inspectorSchema = z
  .object({
    /** Stable id, e.g. an enforcement certificate number; part of the draw's ranking input, so never reuse one. */
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/, 'must be 1-40 characters of A-Z, a-z, 0-9, _ and -'),
    name: z.string().trim().min(1).max(100),
    /** The agency (code) whose draws the inspector takes part in. */
    agency: agencyCode,
    /** Enterprises the inspector must not inspect (conflict of interest: 回避). */
    conflicts: z.array(usccCode).max(1000).default([]),
  })
  .strict();

/** The most inspectors one agency's pool may hold (a published draw lists its pool). */
export const MAX_INSPECTORS_PER_AGENCY = 500;

/**
 * 双随机、一公开 inspection draws: the inspector pool, how many inspectors go to each target, and the
 * period within which a subject already inspected (or drawn) by the agency is excluded (禁选).
 */
export const inspectionsSchema = z
  .object({
    inspectors: z.array(inspectorSchema).max(10_000).default([]),
    /** Inspectors assigned to each drawn enterprise (at least two in practice). */
    inspectorsPerTarget: z.number().int().min(1).max(10).default(2),
    /** The exclusion period, in China time: the calendar year, half year or quarter of the commitment. */
    exclusionPeriod: z.enum(['YEAR', 'HALF_YEAR', 'QUARTER']).default('YEAR'),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.inspectors.forEach((inspector, index) => {
      if (seen.has(inspector.id)) ctx.addIssue({ code: 'custom', path: ['inspectors', index, 'id'], message: `duplicate inspector id ${inspector.id}` });
      seen.add(inspector.id);
    });
    const perAgency = new Map<string, number>();
    config.inspectors.forEach((inspector, index) => {
      const count = (perAgency.get(inspector.agency) ?? 0) + 1;
      perAgency.set(inspector.agency, count);
      if (count === MAX_INSPECTORS_PER_AGENCY + 1)
        ctx.addIssue({
          code: 'custom',
          path: ['inspectors', index, 'agency'],
          message: `agency ${inspector.agency} has more than ${MAX_INSPECTORS_PER_AGENCY} inspectors`,
        });
    });
  });
export type InspectionsConfig = z.infer<typeof inspectionsSchema>;
export type InspectorConfig = InspectionsConfig['inspectors'][number];
