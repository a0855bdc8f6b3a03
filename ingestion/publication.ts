import { compareAmounts } from './amounts.js';
import { addMonths } from './dates.js';
import { MINOR_PENALTY_TYPES, RESTRICTION_PENALTY_TYPES } from './record-kinds.js';

/** Regional choices for how long a penalty stays public when the source omits 公示截止期. */
export interface PublicationRules {
  /** A fine at or below this amount (万元), with no other penalty than a warning, is published 3 months. */
  readonly smallFineMaxWan: string;
  /** Sectors with a 1-year minimum (特种设备, 安全生产, 消防), matched in 违法行为类型 or 处罚依据. */
  readonly oneYearMinimumPattern: RegExp;
}

export const DEFAULT_PUBLICATION_RULES: PublicationRules = {
  smallFineMaxWan: '1',
  oneYearMinimumPattern: /特种设备|安全生产|消防/,
};

export interface PenaltyFacts {
  readonly decisionDate: string;
  readonly penaltyTypes: readonly string[];
  readonly fineWan: string | undefined;
  readonly restrictionUntil: string | undefined;
  readonly violationText: string;
}

const MINIMUM_MONTHS = 3;
const STANDARD_MONTHS = 36;
const SAFETY_MINIMUM_MONTHS = 12;

/**
 * 公示截止期 per 国家发展改革委令第58号 and market-regulation practice: warnings and small fines 3 months,
 * everything else 3 years, at least 1 year in safety sectors, and a restriction lasting longer
 * than that sets the end. Several penalty types in one decision: the longest period applies.
 */
export function penaltyPublicationEnd(facts: PenaltyFacts, rules: PublicationRules): string {
  const isSmallFine = facts.fineWan !== undefined && compareAmounts(facts.fineWan, rules.smallFineMaxWan) <= 0;
  const minor = facts.penaltyTypes.every((type) => MINOR_PENALTY_TYPES.has(type) || (type === '罚款' && isSmallFine));
  let months = minor ? MINIMUM_MONTHS : STANDARD_MONTHS;
  if (rules.oneYearMinimumPattern.test(facts.violationText)) months = Math.max(months, SAFETY_MINIMUM_MONTHS);
  const end = addMonths(facts.decisionDate, months);
  const restricts = facts.penaltyTypes.some((type) => RESTRICTION_PENALTY_TYPES.has(type));
  if (restricts && facts.restrictionUntil !== undefined && facts.restrictionUntil > end) return facts.restrictionUntil;
  return end;
}

/** 处罚有效期 of a penalty whose source omits it: derived, or the restriction types that forbid deriving it. */
export type PenaltyValidity = { readonly derived: true; readonly until: string } | { readonly derived: false; readonly restrictions: readonly string[] };

/**
 * 处罚有效期 (CF_YXQ) when the source omits it. A penalty without a duration (警告, 通报批评, 罚款,
 * 没收…, 吊销, 责令关闭, 行政拘留) is complete on its decision date, so that date is its validity;
 * how long it stays public is the publication end above, which alone decides its status. A
 * restriction (责令停产停业, 限制从业, 暂扣, 降低资质等级, 限制开展生产经营活动) lasts for the period
 * its decision sets, which nothing else in the record tells: not derivable.
 */
export function derivePenaltyValidity(decisionDate: string, penaltyTypes: readonly string[]): PenaltyValidity {
  const restrictions = penaltyTypes.filter((type) => RESTRICTION_PENALTY_TYPES.has(type));
  return restrictions.length > 0 ? { derived: false, restrictions } : { derived: true, until: decisionDate };
}

/** How long an inspection result counts (for grading and as ACTIVE): a year from the inspection date. */
const INSPECTION_VALID_MONTHS = 12;

/**
 * The last valid day of an inspection result (检查日期 + 12 months): on the day after, the expiry
 * job marks it EXPIRED and it stops counting, like any record past its validity.
 */
export function inspectionValidTo(inspectionDate: string): string {
  return addMonths(inspectionDate, INSPECTION_VALID_MONTHS);
}
