import { z } from 'zod';

/** A ratio written as an exact decimal string between 0 and 1, e.g. "0.02" for 2 %. */
const ratio = z.string().regex(/^(0(\.\d{1,6})?|1(\.0{1,6})?)$/, 'must be a decimal between 0 and 1 with at most 6 places, e.g. "0.02"');

/** What differentiated supervision (分级分类监管) does for the subjects of one credit class. */
const classPolicy = z
  .object({
    /** Share of the class drawn in a 双随机 inspection draw. */
    samplingRatio: ratio,
    /** Most routine inspections a subject of this class gets per calendar year. */
    maxChecksPerYear: z.number().int().min(0).max(366),
    /** Fast-track procedures the class may use: 告知承诺 (approval on commitment), 容缺受理 (acceptance with documents pending). */
    fastTrack: z.array(z.enum(['告知承诺', '容缺受理'])).default([]),
    /** Key supervision (重点监管): the class is watched closely. */
    keySupervision: z.boolean().default(false),
  })
  .strict();

const supervisionClasses = z.object({ A: classPolicy, B: classPolicy, C: classPolicy, D: classPolicy }).strict();

const DEFAULT_CLASSES: z.input<typeof supervisionClasses> = {
  A: { samplingRatio: '0.01', maxChecksPerYear: 1, fastTrack: ['告知承诺', '容缺受理'], keySupervision: false },
  B: { samplingRatio: '0.02', maxChecksPerYear: 1, fastTrack: ['告知承诺'], keySupervision: false },
  C: { samplingRatio: '0.10', maxChecksPerYear: 2, fastTrack: [], keySupervision: false },
  D: { samplingRatio: '0.30', maxChecksPerYear: 4, fastTrack: [], keySupervision: true },
};

/**
 * The supervision policy: per credit class A–D (A best), and for enterprises not yet graded. Defaults
 * follow common provincial practice (A 1 %, B 2 %, C 10 %, D 30 % sampled).
 */
export const supervisionSchema = z
  .object({
    classes: supervisionClasses.prefault(DEFAULT_CLASSES),
    /** Enterprises with no grade yet are supervised as this class. */
    ungradedAs: z.enum(['A', 'B', 'C', 'D']).default('B'),
  })
  .strict();
export type SupervisionConfig = z.infer<typeof supervisionSchema>;
