import { z } from 'zod';

/** Points and thresholds: exact decimals with at most 2 places, e.g. "-50" or "12.5" (never floats). */
const points = z.string().regex(/^-?\d{1,7}(\.\d{1,2})?$/, 'must be a decimal string with at most 2 places, e.g. "-50" or "12.5"');
/** A decay factor: an exact decimal between 0 and 1 with at most 4 places. */
const factor = z.string().regex(/^(0(\.\d{1,4})?|1(\.0{1,4})?)$/, 'must be a decimal between 0 and 1 with at most 4 places, e.g. "0.5"');
/** An amount in 万元, exact decimal. */
const amountWan = z.string().regex(/^\d{1,12}(\.\d{1,6})?$/, 'must be an amount in 万元, e.g. "10" or "0.5"');
const code = z.string().regex(/^[A-Z][A-Z0-9_]{1,39}$/, 'must be 2-40 characters of A-Z, 0-9 and _');
const CLASSES = ['A', 'B', 'C', 'D'] as const;

/**
 * Age bands from a record's event date: the record counts `factor` of its points while its age in
 * days lies in [fromDay, toDay]. Bands start at day 0 and follow one another without gaps; after
 * the last band's toDay the record counts nothing (an open last band counts for as long as the
 * record is ACTIVE and public).
 */
const decayBands = z
  .array(z.object({ fromDay: z.number().int().min(0), toDay: z.number().int().min(0).optional(), factor }).strict())
  .min(1)
  .superRefine((bands, ctx) => {
    bands.forEach((band, index) => {
      const previous = bands[index - 1];
      const expectedFrom = previous === undefined ? 0 : previous.toDay === undefined ? undefined : previous.toDay + 1;
      if (previous !== undefined && previous.toDay === undefined)
        ctx.addIssue({ code: 'custom', path: [index - 1, 'toDay'], message: 'only the last band may be open-ended' });
      else if (band.fromDay !== expectedFrom)
        ctx.addIssue({
          code: 'custom',
          path: [index, 'fromDay'],
          message: `must be ${expectedFrom} (bands start at day 0 and follow one another without gaps)`,
        });
      if (band.toDay !== undefined && band.toDay < band.fromDay)
        ctx.addIssue({ code: 'custom', path: [index, 'toDay'], message: `must be at least fromDay (${band.fromDay})` });
    });
  });

/** Which records an indicator scores: a kind, narrowed for penalties and inspections. */
const matcher = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('PENALTY'),
      /** The penalty's severity tier (the model's penaltyTiers), decided by its most severe 处罚类别 (CF_CFLB). */
      tier: code.optional(),
      /** 罚款金额 CF_NR_FK band in 万元: at least min, below max. */
      fineWan: z.object({ min: amountWan.optional(), max: amountWan.optional() }).strict().optional(),
    })
    .strict(),
  /** 检查结果 JC_JCJG values the indicator scores. */
  z.object({ kind: z.literal('INSPECTION'), results: z.array(z.string().min(1)).min(1) }).strict(),
  z.object({ kind: z.enum(['PERMIT', 'RED_LIST', 'BLACK_LIST', 'ABNORMAL_OPERATION']) }).strict(),
]);

const indicator = z
  .object({
    code,
    /** A dimension code of the model. */
    dimension: code,
    /** A short description for people reading the grade. */
    name: z.string().min(1).max(200),
    match: matcher,
    /** Points per matching record, before decay; negative for adverse records. */
    points,
    /** The most the indicator contributes in all (same sign as points), e.g. "-300". */
    cap: points.optional(),
    decay: decayBands.default([{ fromDay: 0, factor: '1' }]),
  })
  .strict()
  .superRefine((i, ctx) => {
    if (i.cap !== undefined && (i.cap.startsWith('-') !== i.points.startsWith('-') || Number(i.cap) === 0)) {
      ctx.addIssue({ code: 'custom', path: ['cap'], message: `must be non-zero and have the sign of points (${i.points})` });
    }
  });

/** The most indicators a model may have: a grade lists one contribution per indicator, and requests are priced on it. */
export const MAX_MODEL_INDICATORS = 50;

/** A versioned points model (公共信用综合评价). A version never changes once seen: publish a new one. */
const model = z
  .object({
    version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/, 'must be 1-40 characters of letters, digits, ., _ and -'),
    /** Score of an enterprise with no counting record. */
    base: points,
    dimensions: z.array(z.object({ code, name: z.string().min(1).max(100) }).strict()).min(1),
    /** Penalty severity tiers, most severe first; a penalty takes the first tier one of its 处罚类别 is listed in. */
    penaltyTiers: z.array(z.object({ tier: code, categories: z.array(z.string().min(1)).min(1) }).strict()).default([]),
    indicators: z.array(indicator).min(1).max(MAX_MODEL_INDICATORS),
    /** Classes A (best) to D by lowest score; D takes every score below C's. */
    classes: z
      .object({
        A: z.object({ label: z.string().min(1).max(20), minScore: points }).strict(),
        B: z.object({ label: z.string().min(1).max(20), minScore: points }).strict(),
        C: z.object({ label: z.string().min(1).max(20), minScore: points }).strict(),
        D: z.object({ label: z.string().min(1).max(20) }).strict(),
      })
      .strict(),
    /** An ACTIVE record of `kind` puts the class at `maxClass` or worse, whatever the points. */
    caps: z.array(z.object({ kind: z.enum(['BLACK_LIST', 'ABNORMAL_OPERATION', 'PENALTY', 'INSPECTION']), maxClass: z.enum(CLASSES) }).strict()).default([]),
  })
  .strict()
  .superRefine((m, ctx) => {
    const dimensions = new Set(m.dimensions.map((d) => d.code));
    const tiers = new Set(m.penaltyTiers.map((t) => t.tier));
    const seen = new Set<string>();
    m.indicators.forEach((i, index) => {
      if (seen.has(i.code)) ctx.addIssue({ code: 'custom', path: ['indicators', index, 'code'], message: `duplicate indicator ${i.code}` });
      seen.add(i.code);
      if (!dimensions.has(i.dimension))
        ctx.addIssue({ code: 'custom', path: ['indicators', index, 'dimension'], message: `${i.dimension} is not one of the model's dimensions` });
      if (i.match.kind === 'PENALTY' && i.match.tier !== undefined && !tiers.has(i.match.tier)) {
        ctx.addIssue({ code: 'custom', path: ['indicators', index, 'match', 'tier'], message: `${i.match.tier} is not one of the model's penaltyTiers` });
      }
      const band = i.match.kind === 'PENALTY' ? i.match.fineWan : undefined;
      if (band?.min !== undefined && band.max !== undefined && Number(band.min) >= Number(band.max)) {
        ctx.addIssue({ code: 'custom', path: ['indicators', index, 'match', 'fineWan', 'max'], message: `must be above min (${band.min})` });
      }
    });
    const { A, B, C } = m.classes;
    if (!(Number(A.minScore) > Number(B.minScore)))
      ctx.addIssue({ code: 'custom', path: ['classes', 'A', 'minScore'], message: `must be above B's (${B.minScore}): thresholds are ordered A > B > C` });
    if (!(Number(B.minScore) > Number(C.minScore)))
      ctx.addIssue({ code: 'custom', path: ['classes', 'B', 'minScore'], message: `must be above C's (${C.minScore}): thresholds are ordered A > B > C` });
  });

const LIGHT_DECAY = [
  { fromDay: 0, toDay: 365, factor: '1' },
  { fromDay: 366, toDay: 730, factor: '0.5' },
];
const SEVERE_DECAY = [
  { fromDay: 0, toDay: 730, factor: '1' },
  { fromDay: 731, toDay: 1095, factor: '0.5' },
];
const INSPECTION_DECAY = [
  { fromDay: 0, toDay: 180, factor: '1' },
  { fromDay: 181, toDay: 365, factor: '0.5' },
];

/** The model shipped with the hub and its demo; README (Credit grades) documents it as a table. */
export const DEFAULT_CREDIT_MODEL: z.input<typeof model> = {
  version: '2026.1',
  base: '1000',
  dimensions: [
    { code: 'LAW', name: '遵纪守法' },
    { code: 'RISK', name: '监管风险' },
    { code: 'HONOUR', name: '资质荣誉' },
  ],
  penaltyTiers: [
    { tier: 'SEVERE', categories: ['吊销许可证件', '责令关闭', '限制从业', '责令停产停业', '降低资质等级', '限制开展生产经营活动', '行政拘留'] },
    { tier: 'MEDIUM', categories: ['罚款', '没收违法所得', '没收非法财物', '暂扣许可证件', '其他'] },
    { tier: 'LIGHT', categories: ['警告', '通报批评'] },
  ],
  indicators: [
    {
      code: 'PENALTY_SEVERE',
      dimension: 'LAW',
      name: '严重行政处罚 (吊销、责令关闭、限制从业、停产停业…)',
      match: { kind: 'PENALTY', tier: 'SEVERE' },
      points: '-150',
      decay: SEVERE_DECAY,
    },
    {
      code: 'PENALTY_MEDIUM',
      dimension: 'LAW',
      name: '一般行政处罚 (罚款、没收…)',
      match: { kind: 'PENALTY', tier: 'MEDIUM' },
      points: '-40',
      cap: '-300',
      decay: LIGHT_DECAY,
    },
    {
      code: 'PENALTY_LIGHT',
      dimension: 'LAW',
      name: '轻微行政处罚 (警告、通报批评)',
      match: { kind: 'PENALTY', tier: 'LIGHT' },
      points: '-10',
      cap: '-100',
      decay: LIGHT_DECAY,
    },
    {
      code: 'FINE_10_TO_100_WAN',
      dimension: 'LAW',
      name: '罚款 10–100 万元',
      match: { kind: 'PENALTY', fineWan: { min: '10', max: '100' } },
      points: '-30',
      decay: LIGHT_DECAY,
    },
    {
      code: 'FINE_100_WAN_UP',
      dimension: 'LAW',
      name: '罚款 100 万元以上',
      match: { kind: 'PENALTY', fineWan: { min: '100' } },
      points: '-80',
      decay: SEVERE_DECAY,
    },
    { code: 'BLACK_LIST', dimension: 'LAW', name: '列入严重失信主体名单', match: { kind: 'BLACK_LIST' }, points: '-200' },
    { code: 'ABNORMAL_OPERATION', dimension: 'RISK', name: '列入经营异常名录', match: { kind: 'ABNORMAL_OPERATION' }, points: '-60' },
    {
      code: 'INSPECTION_ISSUES',
      dimension: 'RISK',
      name: '抽查发现问题 (责令整改、未发现开展经营活动)',
      match: { kind: 'INSPECTION', results: ['责令整改', '未发现开展经营活动'] },
      points: '-20',
      decay: INSPECTION_DECAY,
    },
    {
      code: 'INSPECTION_CASE',
      dimension: 'RISK',
      name: '抽查立案查处或不配合检查',
      match: { kind: 'INSPECTION', results: ['立案查处', '不配合检查'] },
      points: '-60',
      decay: INSPECTION_DECAY,
    },
    {
      code: 'INSPECTION_CLEAN',
      dimension: 'RISK',
      name: '抽查未发现问题',
      match: { kind: 'INSPECTION', results: ['未发现问题'] },
      points: '10',
      cap: '20',
      decay: INSPECTION_DECAY,
    },
    { code: 'RED_LIST', dimension: 'HONOUR', name: '列入守信红名单', match: { kind: 'RED_LIST' }, points: '40', cap: '80' },
    { code: 'PERMITS_HELD', dimension: 'HONOUR', name: '持有有效行政许可', match: { kind: 'PERMIT' }, points: '5', cap: '20' },
  ],
  classes: { A: { label: '优', minScore: '1040' }, B: { label: '良', minScore: '960' }, C: { label: '中', minScore: '860' }, D: { label: '差' } },
  caps: [{ kind: 'BLACK_LIST', maxClass: 'D' }],
};

/**
 * Credit grading (公共信用综合评价): the model versions the hub knows and the one it activates on
 * its first start. Activating another version later is an explicit, audited act.
 */
export const creditSchema = z
  .object({
    models: z.array(model).min(1).prefault([DEFAULT_CREDIT_MODEL]),
    /** The version activated when no version is active yet (a new hub). */
    initialVersion: z.string().default(DEFAULT_CREDIT_MODEL.version),
  })
  .strict()
  .superRefine((credit, ctx) => {
    const versions = new Set<string>();
    credit.models.forEach((m, index) => {
      if (versions.has(m.version)) ctx.addIssue({ code: 'custom', path: ['models', index, 'version'], message: `duplicate model version ${m.version}` });
      versions.add(m.version);
    });
    if (!versions.has(credit.initialVersion))
      ctx.addIssue({ code: 'custom', path: ['initialVersion'], message: `${credit.initialVersion} is not one of the configured model versions` });
  });
export type CreditConfig = z.infer<typeof creditSchema>;
export type CreditModel = CreditConfig['models'][number];
export type CreditIndicator = CreditModel['indicators'][number];
export type CreditClass = (typeof CLASSES)[number];
