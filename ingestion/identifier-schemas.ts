import { z } from 'zod';
import { checkUscc } from './identifiers.js';
import { isProvinceCode } from './regions.js';

/** A 统一社会信用代码 with a valid check digit, normalised (half-width, upper case). */
export const usccCode = z.string().transform((raw, ctx) => {
  const verdict = checkUscc(raw);
  if (verdict.ok) return verdict.uscc;
  ctx.addIssue({ code: 'custom', message: `must be a 统一社会信用代码 (${verdict.rule}: ${verdict.message})` });
  return z.NEVER;
});

/** An agency's code as the config names it, e.g. SH-QP-SAMR. */
export const agencyCode = z.string().regex(/^[A-Z0-9][A-Z0-9_-]{1,39}$/, 'must be 2-40 characters of A-Z, 0-9, _ and -');

/** A province-level region (GB/T 2260) as the config names it, e.g. 310000. */
export const provinceCode = z.string().refine(isProvinceCode, { error: 'must be a province-level GB/T 2260 code such as 310000' });
