import { createHash } from 'node:crypto';
import type { CreditConfig, CreditModel } from '../config/credit-model-schema.js';
import type { ModelTables } from '../store/credit-grade-writes.js';

export type { CreditClass, CreditConfig, CreditModel } from '../config/credit-model-schema.js';

/** JSON with object keys sorted at every level: one text per model, whatever the order in the file. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * SHA-256 (hex) of the model's canonical JSON, defaults filled in: pins a version, so that a version
 * edited after the hub first saw it is refused at start instead of silently regrading everyone.
 */
export function modelFingerprint(model: CreditModel): string {
  return createHash('sha256').update(canonicalJson(model)).digest('hex');
}

/** The configured model with this version, or undefined. */
export function findModel(credit: CreditConfig, version: string): CreditModel | undefined {
  return credit.models.find((m) => m.version === version);
}

/** Flattens a validated model into the tables the grading SQL joins against. */
export function modelTables(model: CreditModel): ModelTables {
  const tierRank = new Map(model.penaltyTiers.map((t, rank) => [t.tier, rank]));
  return {
    version: model.version,
    base: model.base,
    indicators: model.indicators.map((i, ord) => ({
      ord,
      code: i.code,
      dimension: i.dimension,
      kind: i.match.kind,
      tier_rank: i.match.kind === 'PENALTY' && i.match.tier !== undefined ? (tierRank.get(i.match.tier) ?? null) : null,
      fine_min: i.match.kind === 'PENALTY' ? (i.match.fineWan?.min ?? null) : null,
      fine_max: i.match.kind === 'PENALTY' ? (i.match.fineWan?.max ?? null) : null,
      results: i.match.kind === 'INSPECTION' ? i.match.results : null,
      points: i.points,
      cap: i.cap ?? null,
    })),
    bands: model.indicators.flatMap((i, ord) => i.decay.map((b) => ({ ord, from_day: b.fromDay, to_day: b.toDay ?? null, factor: b.factor }))),
    // A category listed in two tiers belongs to the more severe one (the lower rank wins in SQL).
    tiers: model.penaltyTiers.flatMap((t, rank) => t.categories.map((category) => ({ category, rank }))),
    caps: model.caps.map((c) => ({ kind: c.kind, max_class: c.maxClass })),
    thresholds: { A: model.classes.A.minScore, B: model.classes.B.minScore, C: model.classes.C.minScore },
  };
}
