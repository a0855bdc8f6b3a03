import { describe, expect, test } from '@jest/globals';
import { creditSchema, DEFAULT_CREDIT_MODEL } from '../../config/credit-model-schema.js';
import { describeIssues } from '../../config/config-error.js';
import { hubConfigSchema } from '../../server/hub-config.js';
import { modelFingerprint, modelTables } from '../../credit/credit-model.js';
import { defined } from '../support/answers.js';

type ModelInput = typeof DEFAULT_CREDIT_MODEL;
const clone = (): ModelInput => structuredClone(DEFAULT_CREDIT_MODEL);

/** The zod problems of a credit section, each as "key: message". */
function problems(credit: unknown): string[] {
  const parsed = creditSchema.safeParse(credit);
  if (parsed.success) return [];
  return describeIssues(parsed.error)
    .split('\n')
    .map((line) => `credit.${line.replace(/^ {2}- /, '')}`);
}

describe('credit model configuration', () => {
  test('the default model is valid and is what an empty section gives', () => {
    const credit = creditSchema.parse({});
    expect(credit.initialVersion).toBe('2026.1');
    expect(credit.models).toHaveLength(1);
    expect(credit.models[0]?.indicators.map((i) => i.code)).toContain('BLACK_LIST');
    // In the hub configuration, under its own key.
    const hub = hubConfigSchema.shape.credit.parse(undefined);
    expect(hub).toEqual(credit);
  });

  test('each problem names its key, the rule and the value', () => {
    const model = clone();
    model.indicators[3] = {
      ...defined(model.indicators[3], 'indicator 3'),
      decay: [
        { fromDay: 0, toDay: 100, factor: '1' },
        { fromDay: 102, factor: '0.5' },
      ],
    };
    model.indicators[4] = { ...defined(model.indicators[4], 'indicator 4'), points: '-1.005' };
    model.indicators[5] = { ...defined(model.indicators[5], 'indicator 5'), dimension: 'NOPE' };
    model.indicators[1] = { ...defined(model.indicators[1], 'indicator 1'), cap: '300' };
    model.classes = { ...model.classes, B: { label: '良', minScore: '1040' } };
    expect(problems({ models: [model], initialVersion: '2026.1' })).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^credit\.models\.0\.indicators\.3\.decay\.1\.fromDay: must be 101/),
        expect.stringMatching(/^credit\.models\.0\.indicators\.4\.points: must be a decimal string/),
        expect.stringMatching(/^credit\.models\.0\.indicators\.5\.dimension: NOPE is not one of the model's dimensions/),
        expect.stringMatching(/^credit\.models\.0\.indicators\.1\.cap: must be non-zero and have the sign of points \(-40\)/),
        expect.stringMatching(/^credit\.models\.0\.classes\.A\.minScore: must be above B's \(1040\)/),
      ]),
    );
  });

  test('versions are unique, the initial version exists, decay factors lie in [0, 1]', () => {
    const bad = clone();
    bad.indicators[0] = { ...defined(bad.indicators[0], 'indicator 0'), decay: [{ fromDay: 0, factor: '1.5' }] };
    expect(problems({ models: [clone(), clone()] })).toEqual([expect.stringMatching(/^credit\.models\.1\.version: duplicate model version 2026\.1/)]);
    expect(problems({ models: [clone()], initialVersion: '2027.1' })).toEqual([
      expect.stringMatching(/^credit\.initialVersion: 2027\.1 is not one of the configured/),
    ]);
    expect(problems({ models: [bad] })).toEqual([
      expect.stringMatching(/^credit\.models\.0\.indicators\.0\.decay\.0\.factor: must be a decimal between 0 and 1/),
    ]);
    const gap = clone();
    gap.indicators[0] = {
      ...defined(gap.indicators[0], 'indicator 0'),
      decay: [
        { fromDay: 0, factor: '1' },
        { fromDay: 1, factor: '0' },
      ],
    };
    expect(problems({ models: [gap] })).toEqual([
      expect.stringMatching(/^credit\.models\.0\.indicators\.0\.decay\.0\.toDay: only the last band may be open-ended/),
    ]);
  });

  test('the fingerprint ignores key order and defaults spelled out, and changes with any point', () => {
    const parse = (m: unknown) => defined(creditSchema.parse({ models: [m] }).models[0], 'the parsed model');
    const base = modelFingerprint(parse(clone()));
    const reordered = Object.fromEntries(Object.entries(clone()).reverse());
    expect(modelFingerprint(parse(reordered))).toBe(base);
    const explicit = clone();
    explicit.indicators[5] = { ...defined(explicit.indicators[5], 'indicator 5'), decay: [{ fromDay: 0, factor: '1' }] };
    expect(modelFingerprint(parse(explicit))).toBe(base);
    const edited = clone();
    edited.indicators[0] = { ...defined(edited.indicators[0], 'indicator 0'), points: '-151' };
    expect(modelFingerprint(parse(edited))).not.toBe(base);
  });

  test('the SQL tables keep every number a decimal string and rank tiers most severe first', () => {
    const tables = modelTables(defined(creditSchema.parse({}).models[0], 'the default model'));
    expect(tables.tiers.find((t) => t.category === '吊销许可证件')?.rank).toBe(0);
    expect(tables.tiers.find((t) => t.category === '警告')?.rank).toBe(2);
    expect(tables.indicators.find((i) => i.code === 'FINE_10_TO_100_WAN')).toMatchObject({
      kind: 'PENALTY',
      tier_rank: null,
      fine_min: '10',
      fine_max: '100',
      points: '-30',
    });
    expect(tables.bands.filter((b) => b.ord === 0)).toEqual([
      { ord: 0, from_day: 0, to_day: 730, factor: '1' },
      { ord: 0, from_day: 731, to_day: 1095, factor: '0.5' },
    ]);
    expect(tables.thresholds).toEqual({ A: '1040', B: '960', C: '860' });
  });
});
