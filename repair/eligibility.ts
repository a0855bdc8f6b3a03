import type { RepairConfig } from '../config/repair-schema.js';
import { compareAmounts } from '../ingestion/amounts.js';
import { addMonths } from '../ingestion/dates.js';
import { MINOR_PENALTY_TYPES } from '../ingestion/record-kinds.js';

/** Record kinds a repair request may be filed for: penalties and the two adverse lists. */
export const REPAIRABLE_KINDS: ReadonlySet<string> = new Set(['PENALTY', 'BLACK_LIST', 'ABNORMAL_OPERATION']);

/** Severity tiers of adverse information (国办发〔2025〕22号): each has its own minimum publication period. */
export type RepairTier = 'MINOR' | 'GENERAL' | 'SEVERE';

/** The rule a refused repair request broke, as `extensions.rule` names it. */
export type RepairRule = 'REPAIRABLE_KIND' | 'RECORD_ACTIVE' | 'NEVER_ELIGIBLE' | 'DECISION_FULFILLED' | 'NO_REPEAT' | 'MINIMUM_PERIOD';

/** What eligibility needs to know of the record a request is for. */
export interface RepairCandidate {
  readonly kind: string;
  readonly status: string;
  /** Decision or listing date: the publication period counts from it. */
  readonly eventDate: string;
  /** 处罚类别 of a penalty; empty for list entries. */
  readonly penaltyTypes: readonly string[];
  /** 罚款金额 (万元) of a penalty, when it states one. */
  readonly fineWan: string | undefined;
}

export type RepairEligibility =
  | { readonly eligible: true; readonly tier: RepairTier }
  | {
      readonly eligible: false;
      readonly rule: RepairRule;
      /** The first China date a request could pass this rule; null when waiting cannot make the record eligible. */
      readonly earliestEligibleOn: string | null;
      readonly message: string;
      /** NO_REPEAT: the repeat's record id, not in the message (the client may not be allowed to read it). */
      readonly repeatRecordId?: number;
    };

/** The tier of a record's adverse information, or undefined for a penalty of a never-eligible type. */
export function repairTier(candidate: RepairCandidate, rules: RepairConfig): RepairTier | undefined {
  if (candidate.kind === 'BLACK_LIST') return 'SEVERE';
  if (candidate.kind !== 'PENALTY') return 'GENERAL';
  const types = candidate.penaltyTypes;
  if (types.some((type) => rules.neverEligiblePenaltyTypes.includes(type))) return undefined;
  if (types.some((type) => rules.severePenaltyTypes.includes(type))) return 'SEVERE';
  const smallFine = candidate.fineWan !== undefined && compareAmounts(candidate.fineWan, rules.minorFineMaxWan) <= 0;
  return types.every((type) => MINOR_PENALTY_TYPES.has(type) || (type === '罚款' && smallFine)) ? 'MINOR' : 'GENERAL';
}

/**
 * Whether a repair request may be filed for a record today (a China date), rule by rule in this order:
 * a repairable kind, ACTIVE, not of a never-eligible penalty type, the decision fulfilled (on a date
 * between the decision and today), no repeat of the same type since (`repeatRecordId`: another record
 * of the subject found by the store), and the tier's minimum publication period served — eligible from
 * the event date plus the tier's months (addMonths: 2024-08-31 + 6 months is 2025-02-28). The first
 * broken rule is reported.
 */
export function assessRepairEligibility(
  candidate: RepairCandidate,
  fulfilledOn: string,
  repeatRecordId: number | undefined,
  rules: RepairConfig,
  today: string,
): RepairEligibility {
  const refuse = (rule: RepairRule, message: string, earliestEligibleOn: string | null = null): RepairEligibility => ({
    eligible: false,
    rule,
    earliestEligibleOn,
    message,
  });
  if (!REPAIRABLE_KINDS.has(candidate.kind))
    return refuse('REPAIRABLE_KIND', `a ${candidate.kind} record is not repaired: repair is for PENALTY, BLACK_LIST and ABNORMAL_OPERATION records`);
  if (candidate.status !== 'ACTIVE') return refuse('RECORD_ACTIVE', `the record is ${candidate.status}: only an ACTIVE record can be repaired`);
  const tier = repairTier(candidate, rules);
  if (!tier) {
    const types = candidate.penaltyTypes.filter((type) => rules.neverEligiblePenaltyTypes.includes(type));
    return refuse('NEVER_ELIGIBLE', `a penalty of type ${types.join('、')} is never ended early by repair (repair.neverEligiblePenaltyTypes)`);
  }
  if (fulfilledOn > today)
    return refuse('DECISION_FULFILLED', `fulfilledOn ${fulfilledOn} is after today (${today}): the decision must have been fulfilled`, fulfilledOn);
  if (fulfilledOn < candidate.eventDate) return refuse('DECISION_FULFILLED', `fulfilledOn ${fulfilledOn} is before the decision date ${candidate.eventDate}`);
  if (repeatRecordId !== undefined) {
    const message = 'another record of the same subject, of the same type, was decided on or after this one: a repeat is not repaired';
    return { eligible: false, rule: 'NO_REPEAT', earliestEligibleOn: null, message, repeatRecordId };
  }
  const eligibleOn = addMonths(candidate.eventDate, rules.minimumMonths[tier]);
  if (today < eligibleOn) {
    return refuse(
      'MINIMUM_PERIOD',
      `${tier} information must be public ${rules.minimumMonths[tier]} months from ${candidate.eventDate} (repair.minimumMonths.${tier}): eligible from ${eligibleOn}`,
      eligibleOn,
    );
  }
  return { eligible: true, tier };
}
