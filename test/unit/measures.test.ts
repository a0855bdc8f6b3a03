import { describe, expect, test } from '@jest/globals';
import { hubConfigSchema } from '../../server/hub-config.js';
import { describeIssues } from '../../config/config-error.js';
import { DEFAULT_MEASURES, measuresSchema, type MeasureConfig } from '../../credit/measures-schema.js';
import { decideMeasure, explainRule, kindsLookedAt, measuresFor, type RecordFact, type SubjectStanding } from '../../credit/measures.js';
import { supervisionOf } from '../../credit/supervision.js';
import { supervisionSchema } from '../../config/supervision-schema.js';
import { authorityUscc } from '../support/records.js';

const catalogue = measuresSchema.parse(undefined);
const measure = (code: string): MeasureConfig => {
  const found = catalogue.find((m) => m.code === code);
  if (!found) throw new Error(`no measure ${code} in the default catalogue`);
  return found;
};
/** What the start says of a config file with this catalogue. */
function problemsOf(measures: unknown): string {
  const parsed = hubConfigSchema.safeParse({
    hub: { id: 'hub-x', region: '310000' },
    agencies: [{ code: 'SH-SAMR', name: '上海', region: '310000', uscc: authorityUscc('310000', 2) }],
    measures,
  });
  return parsed.success ? '' : describeIssues(parsed.error);
}
const blackList: RecordFact = { id: 7, kind: 'BLACK_LIST', penaltyTypes: [] };
const redList: RecordFact = { id: 9, kind: 'RED_LIST', penaltyTypes: [] };
const fine: RecordFact = { id: 3, kind: 'PENALTY', penaltyTypes: ['罚款'] };
const revocation: RecordFact = { id: 4, kind: 'PENALTY', penaltyTypes: ['罚款', '吊销许可证件'] };
const standing = (grade: SubjectStanding['grade'], ...records: RecordFact[]): SubjectStanding => ({ grade, records });

describe('the measures catalogue (config.measures)', () => {
  test('the default catalogue: unique codes, each with its legal basis and implementing agency, punishments and incentives', () => {
    expect(catalogue).toHaveLength(DEFAULT_MEASURES.length);
    expect(new Set(catalogue.map((m) => m.code)).size).toBe(catalogue.length);
    for (const m of catalogue) {
      expect(m.legalBasis.length).toBeGreaterThan(5);
      expect(m.implementingAgency.length).toBeGreaterThan(2);
    }
    expect(new Set(catalogue.map((m) => m.type))).toEqual(new Set(['PUNISHMENT', 'INCENTIVE']));
  });

  test('a bad catalogue stops the start naming each key', () => {
    const bad = [
      { code: 'X1', name: '测试', type: 'INCENTIVE', triggers: { penaltyTypes: ['罚金'] }, legalBasis: ' ', implementingAgency: '某部门' },
      { code: 'X1', name: '测试', type: 'REWARD', triggers: { kinds: ['GREY_LIST'] }, legalBasis: '某法', implementingAgency: '' },
    ];
    const text = problemsOf(bad);
    expect(text).toContain('measures.0.triggers.penaltyTypes.0: must be a 处罚类别 of the standard');
    expect(text).toContain('measures.0.triggers.penaltyTypes: penaltyTypes needs kind PENALTY among kinds');
    expect(text).toContain('measures.0.triggers: name at least one kind or class');
    expect(text).toContain('measures.0.legalBasis: is required');
    expect(text).toContain('measures.1.type');
    expect(text).toContain('measures.1.triggers.kinds.0');
    expect(text).toContain('measures.1.implementingAgency: is required');
    const [first] = DEFAULT_MEASURES;
    expect(problemsOf([first, { ...first, name: '另一措施' }])).toBe('  - measures.1.code: duplicate measure code GOV_PROCUREMENT_BAN');
  });
});

describe('deciding a measure', () => {
  test('a black-list record triggers a punishment; the deciding rule names the record', () => {
    const verdict = decideMeasure(measure('GOV_PROCUREMENT_BAN'), standing('B', blackList, fine));
    expect(verdict.applies).toBe(true);
    expect(verdict.decidingRule).toEqual({ role: 'TRIGGER', via: 'RECORD_KIND', kind: 'BLACK_LIST', penaltyTypes: [], recordIds: [7] });
  });

  test('penalty types narrow a penalty trigger: a fine is no 重大违法记录, a revocation is', () => {
    expect(decideMeasure(measure('GOV_PROCUREMENT_BAN'), standing('C', fine)).applies).toBe(false);
    const verdict = decideMeasure(measure('GOV_PROCUREMENT_BAN'), standing('C', fine, revocation));
    expect(verdict.decidingRule).toMatchObject({ kind: 'PENALTY', recordIds: [4] });
  });

  test('class D triggers class measures; every trigger that holds is listed, records first', () => {
    const verdict = decideMeasure(measure('FISCAL_FUNDS_LIMIT'), standing('D', blackList));
    expect(verdict.triggers.map((t) => (t.via === 'CREDIT_CLASS' ? t.creditClass : t.kind))).toEqual(['BLACK_LIST', 'D']);
    expect(decideMeasure(measure('FISCAL_FUNDS_LIMIT'), standing('D')).decidingRule).toEqual({ role: 'TRIGGER', via: 'CREDIT_CLASS', creditClass: 'D' });
  });

  test('an incentive: red list or class A allow it; a black-list entry or class D excludes it whatever triggers it', () => {
    const fastTrack = measure('FAST_TRACK_APPROVAL');
    expect(decideMeasure(fastTrack, standing('B', redList))).toMatchObject({ applies: true, decidingRule: { role: 'TRIGGER', kind: 'RED_LIST' } });
    expect(decideMeasure(fastTrack, standing('A'))).toMatchObject({ applies: true, decidingRule: { role: 'TRIGGER', creditClass: 'A' } });
    const excluded = decideMeasure(fastTrack, standing('A', redList, blackList));
    expect(excluded).toMatchObject({ applies: false, decidingRule: { role: 'EXCLUSION', kind: 'BLACK_LIST', recordIds: [7] } });
    expect(explainRule(excluded.decidingRule, fastTrack)).toBe('excluded by 1 record(s) in force of kind BLACK_LIST');
    expect(decideMeasure(fastTrack, standing('D', redList))).toMatchObject({ applies: false, decidingRule: { role: 'EXCLUSION', creditClass: 'D' } });
  });

  test('no trigger: the rule says what was looked at; an ungraded enterprise meets no class condition', () => {
    const fastTrack = measure('FAST_TRACK_APPROVAL');
    const none = decideMeasure(fastTrack, standing('B', fine));
    expect(none).toMatchObject({ applies: false, decidingRule: { role: 'NO_TRIGGER', grade: 'B' } });
    expect(explainRule(none.decidingRule, fastTrack)).toBe('none of its triggers holds: no record in force of kind RED_LIST; class B is not A');
    const ungraded = decideMeasure(measure('FEWER_INSPECTIONS'), standing(null));
    expect(explainRule(ungraded.decidingRule, measure('FEWER_INSPECTIONS'))).toBe('none of its triggers holds: not graded yet, so no class A');
    expect(measuresFor(catalogue, standing(null, fine))).toEqual([]);
  });

  test('records of a rule are newest first; the same standing always gives the same verdicts', () => {
    const listings = [2, 11, 5].map((id): RecordFact => ({ id, kind: 'BLACK_LIST', penaltyTypes: [] }));
    expect(decideMeasure(measure('HONOURS_BAN'), standing('C', ...listings)).decidingRule).toMatchObject({ recordIds: [11, 5, 2] });
    const s = standing('D', blackList, revocation, redList);
    expect(measuresFor(catalogue, s)).toEqual(measuresFor(catalogue, s));
    expect(measuresFor(catalogue, s).map((v) => v.measure.code)).toEqual([
      'GOV_PROCUREMENT_BAN',
      'FISCAL_FUNDS_LIMIT',
      'NO_COMMITMENT_APPROVAL',
      'KEY_SUPERVISION',
      'HONOURS_BAN',
    ]);
  });

  test('only the kinds the catalogue names are read', () => {
    expect(kindsLookedAt(catalogue)).toEqual(['ABNORMAL_OPERATION', 'BLACK_LIST', 'PENALTY', 'RED_LIST']);
  });
});

describe('supervision policy by class', () => {
  const policy = supervisionSchema.parse({});
  test('a graded enterprise takes its class policy; an ungraded one ungradedAs, flagged', () => {
    expect(supervisionOf(policy, 'D')).toEqual({
      creditClass: 'D',
      graded: true,
      samplingRatio: '0.30',
      maxChecksPerYear: 4,
      fastTrack: [],
      keySupervision: true,
    });
    expect(supervisionOf(policy, null)).toMatchObject({ creditClass: 'B', graded: false, samplingRatio: '0.02' });
    expect(supervisionOf(supervisionSchema.parse({ ungradedAs: 'C' }), null)).toMatchObject({ creditClass: 'C', samplingRatio: '0.10' });
  });
});
