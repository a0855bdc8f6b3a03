import { describe, expect, test } from '@jest/globals';
import { repairSchema } from '../../config/repair-schema.js';
import { assessRepairEligibility, repairTier, type RepairCandidate } from '../../repair/eligibility.js';
import { addWorkingDays } from '../../repair/working-days.js';

const rules = repairSchema.parse({});
const penalty = (penaltyTypes: string[], overrides: Partial<RepairCandidate> = {}): RepairCandidate => ({
  kind: 'PENALTY',
  status: 'ACTIVE',
  eventDate: '2024-03-15',
  penaltyTypes,
  fineWan: undefined,
  ...overrides,
});

describe('repair tiers (defaults)', () => {
  test.each([
    [penalty(['警告']), 'MINOR'],
    [penalty(['通报批评', '罚款'], { fineWan: '1' }), 'MINOR'],
    [penalty(['罚款'], { fineWan: '1.000001' }), 'GENERAL'],
    [penalty(['罚款']), 'GENERAL'],
    [penalty(['没收违法所得', '罚款'], { fineWan: '0.5' }), 'GENERAL'],
    [penalty(['暂扣许可证件']), 'SEVERE'],
    [{ ...penalty([]), kind: 'BLACK_LIST' }, 'SEVERE'],
    [{ ...penalty([]), kind: 'ABNORMAL_OPERATION' }, 'GENERAL'],
  ])('%j is %s', (candidate, tier) => {
    expect(repairTier(candidate, rules)).toBe(tier);
  });
});

describe('assessRepairEligibility', () => {
  test('the minimum period: the day before it ends is refused with the earliest eligible date, that day is eligible', () => {
    // GENERAL: 3 months from 2024-03-15.
    expect(assessRepairEligibility(penalty(['罚款']), '2024-04-01', undefined, rules, '2024-06-14')).toEqual({
      eligible: false,
      rule: 'MINIMUM_PERIOD',
      earliestEligibleOn: '2024-06-15',
      message: expect.stringContaining('eligible from 2024-06-15'),
    });
    expect(assessRepairEligibility(penalty(['罚款']), '2024-04-01', undefined, rules, '2024-06-15')).toEqual({ eligible: true, tier: 'GENERAL' });
    // SEVERE: 12 months; a month end is clamped (2024-02-29 + 12 months = 2025-02-28).
    const severe = { ...penalty([]), kind: 'BLACK_LIST', eventDate: '2024-02-29' };
    expect(assessRepairEligibility(severe, '2024-03-01', undefined, rules, '2025-02-27')).toMatchObject({
      rule: 'MINIMUM_PERIOD',
      earliestEligibleOn: '2025-02-28',
    });
    expect(assessRepairEligibility(severe, '2024-03-01', undefined, rules, '2025-02-28')).toEqual({ eligible: true, tier: 'SEVERE' });
  });

  test('never-eligible penalty types are refused whatever the date, with no eligible date', () => {
    for (const type of ['责令停产停业', '吊销许可证件', '限制从业', '降低资质等级']) {
      expect(assessRepairEligibility(penalty(['罚款', type]), '2024-04-01', undefined, rules, '2030-01-01')).toMatchObject({
        eligible: false,
        rule: 'NEVER_ELIGIBLE',
        earliestEligibleOn: null,
      });
    }
    const custom = repairSchema.parse({ neverEligiblePenaltyTypes: ['警告'] });
    expect(assessRepairEligibility(penalty(['警告']), '2024-04-01', undefined, custom, '2030-01-01')).toMatchObject({ rule: 'NEVER_ELIGIBLE' });
  });

  test('the decision must be fulfilled: on a date between the decision and today', () => {
    expect(assessRepairEligibility(penalty(['罚款']), '2024-07-02', undefined, rules, '2024-07-01')).toMatchObject({
      rule: 'DECISION_FULFILLED',
      earliestEligibleOn: '2024-07-02',
    });
    expect(assessRepairEligibility(penalty(['罚款']), '2024-03-14', undefined, rules, '2024-07-01')).toMatchObject({
      rule: 'DECISION_FULFILLED',
      earliestEligibleOn: null,
    });
    expect(assessRepairEligibility(penalty(['罚款']), '2024-03-15', undefined, rules, '2024-07-01')).toEqual({ eligible: true, tier: 'GENERAL' });
  });

  test('a repeat of the same type bars repair', () => {
    expect(assessRepairEligibility(penalty(['罚款']), '2024-04-01', 42, rules, '2030-01-01')).toMatchObject({
      eligible: false,
      rule: 'NO_REPEAT',
      earliestEligibleOn: null,
      repeatRecordId: 42,
      message: expect.stringContaining('another record of the same subject'),
    });
  });

  test('only ACTIVE penalties and adverse list entries are repaired', () => {
    expect(assessRepairEligibility({ ...penalty([]), kind: 'PERMIT' }, '2024-04-01', undefined, rules, '2030-01-01')).toMatchObject({
      rule: 'REPAIRABLE_KIND',
    });
    expect(assessRepairEligibility({ ...penalty([]), kind: 'RED_LIST' }, '2024-04-01', undefined, rules, '2030-01-01')).toMatchObject({
      rule: 'REPAIRABLE_KIND',
    });
    for (const status of ['EXPIRED', 'REVOKED', 'REPAIRED', 'DISPUTED']) {
      expect(assessRepairEligibility(penalty(['罚款'], { status }), '2024-04-01', undefined, rules, '2030-01-01')).toMatchObject({ rule: 'RECORD_ACTIVE' });
    }
  });

  test('configured minimum months apply per tier', () => {
    const strict = repairSchema.parse({ minimumMonths: { GENERAL: 12 } });
    expect(assessRepairEligibility(penalty(['罚款']), '2024-04-01', undefined, strict, '2025-03-14')).toMatchObject({ earliestEligibleOn: '2025-03-15' });
  });
});

describe('addWorkingDays', () => {
  const plain = { holidays: [], extraWorkingDays: [] };
  test('counts Monday to Friday after the start day', () => {
    expect(addWorkingDays('2024-06-07', 5, plain)).toBe('2024-06-14'); // Friday → next Friday
    expect(addWorkingDays('2024-06-08', 5, plain)).toBe('2024-06-14'); // Saturday → Friday
    expect(addWorkingDays('2024-06-03', 20, plain)).toBe('2024-07-01'); // Monday → four weeks later
  });
  test('skips configured holidays and counts configured working weekend days', () => {
    expect(addWorkingDays('2024-06-07', 5, { holidays: ['2024-06-10'], extraWorkingDays: [] })).toBe('2024-06-17'); // 端午
    expect(addWorkingDays('2024-06-07', 5, { holidays: [], extraWorkingDays: ['2024-06-08'] })).toBe('2024-06-13');
  });
});
