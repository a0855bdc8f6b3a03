import type { MeasureCondition, MeasureConfig } from './measures-schema.js';
import type { CreditClass } from '../store/tables.js';

/** A record of a subject in force (store/record-in-force.ts: ACTIVE and within its period), as far as measures look at it. */
export interface RecordFact {
  readonly id: number;
  readonly kind: string;
  /** 处罚类别 of a penalty (CF_CFLB); empty for other kinds. */
  readonly penaltyTypes: readonly string[];
}

/** What decides which measures apply to an enterprise: its credit grade (null: not graded yet) and its records in force. */
export interface SubjectStanding {
  readonly grade: CreditClass | null;
  readonly records: readonly RecordFact[];
}

/**
 * One condition of a measure that holds: records of a kind in force (ids newest first), or the grade.
 * `role` says whether it is one of the measure's triggers or one of its exclusions.
 */
export type RuleHit =
  | {
      readonly role: 'TRIGGER' | 'EXCLUSION';
      readonly via: 'RECORD_KIND';
      readonly kind: string;
      readonly penaltyTypes: readonly string[];
      readonly recordIds: readonly number[];
    }
  | { readonly role: 'TRIGGER' | 'EXCLUSION'; readonly via: 'CREDIT_CLASS'; readonly creditClass: CreditClass };

/** Why a measure does not apply when neither a trigger nor an exclusion holds. */
export interface NoTrigger {
  readonly role: 'NO_TRIGGER';
  readonly via: 'NONE';
  /** The grade that was looked at (null: not graded, so no class trigger can hold). */
  readonly grade: CreditClass | null;
}

export type DecidingRule = RuleHit | NoTrigger;

/** Whether a measure applies to a subject, every condition that holds, and the one that decided. */
export interface MeasureVerdict {
  readonly measure: MeasureConfig;
  /** INCENTIVE: the subject may receive it; PUNISHMENT: it must be applied. */
  readonly applies: boolean;
  /** The first exclusion that holds, else the first trigger that holds, else NO_TRIGGER. */
  readonly decidingRule: DecidingRule;
  readonly triggers: readonly RuleHit[];
  readonly exclusions: readonly RuleHit[];
}

const carriesPenaltyType = (record: RecordFact, types: readonly string[]) => types.length === 0 || record.penaltyTypes.some((t) => types.includes(t));

/** The conditions of `condition` that hold for the subject: each kind with its records (in condition order), then the class. */
function hitsOf(condition: MeasureCondition, standing: SubjectStanding, role: RuleHit['role']): RuleHit[] {
  const byKind: RuleHit[] = condition.kinds.flatMap((kind) => {
    const penaltyTypes = kind === 'PENALTY' ? condition.penaltyTypes : [];
    const recordIds = standing.records
      .filter((r) => r.kind === kind && carriesPenaltyType(r, penaltyTypes))
      .map((r) => r.id)
      .sort((a, b) => b - a);
    return recordIds.length > 0 ? [{ role, via: 'RECORD_KIND' as const, kind, penaltyTypes, recordIds }] : [];
  });
  const grade = standing.grade;
  const byClass: RuleHit[] = grade && condition.classes.includes(grade) ? [{ role, via: 'CREDIT_CLASS', creditClass: grade }] : [];
  return [...byKind, ...byClass];
}

/**
 * Decides one measure for a subject: it applies when a trigger holds and no exclusion does. A class
 * condition needs a real grade: `supervision.ungradedAs` sets how an ungraded enterprise is
 * supervised, never a punishment or an incentive. Same standing, same verdict.
 */
export function decideMeasure(measure: MeasureConfig, standing: SubjectStanding): MeasureVerdict {
  const triggers = hitsOf(measure.triggers, standing, 'TRIGGER');
  const exclusions = hitsOf(measure.excludedBy, standing, 'EXCLUSION');
  const [firstExclusion] = exclusions;
  const [firstTrigger] = triggers;
  const decidingRule: DecidingRule = firstExclusion ?? firstTrigger ?? { role: 'NO_TRIGGER', via: 'NONE', grade: standing.grade };
  return { measure, applies: firstTrigger !== undefined && firstExclusion === undefined, decidingRule, triggers, exclusions };
}

/** Every measure of the catalogue that applies to the subject, in catalogue order. */
export function measuresFor(catalogue: readonly MeasureConfig[], standing: SubjectStanding): MeasureVerdict[] {
  return catalogue.map((measure) => decideMeasure(measure, standing)).filter((verdict) => verdict.applies);
}

/** The record kinds any measure of the catalogue looks at: the only records worth reading for a decision. */
export function kindsLookedAt(catalogue: readonly MeasureConfig[]): string[] {
  return [...new Set(catalogue.flatMap((m) => [...m.triggers.kinds, ...m.excludedBy.kinds]))].sort();
}

/** A sentence saying what decided, for people: names kinds, types and classes, never record content. */
export function explainRule(rule: DecidingRule, measure: MeasureConfig): string {
  if (rule.via === 'NONE') {
    const looked = [
      ...(measure.triggers.kinds.length > 0
        ? [
            `no record in force of kind ${measure.triggers.kinds.join(' or ')}${measure.triggers.penaltyTypes.length > 0 ? ` (penalties: ${measure.triggers.penaltyTypes.join('、')})` : ''}`,
          ]
        : []),
      ...(measure.triggers.classes.length > 0
        ? [
            rule.grade
              ? `class ${rule.grade} is not ${measure.triggers.classes.join(' or ')}`
              : `not graded yet, so no class ${measure.triggers.classes.join(' or ')}`,
          ]
        : []),
    ];
    return `none of its triggers holds: ${looked.join('; ')}`;
  }
  const what =
    rule.via === 'CREDIT_CLASS'
      ? `credit class ${rule.creditClass}`
      : `${rule.recordIds.length} record(s) in force of kind ${rule.kind}${rule.penaltyTypes.length > 0 ? ` with penalty type ${rule.penaltyTypes.join(' or ')}` : ''}`;
  return rule.role === 'TRIGGER' ? `triggered by ${what}` : `excluded by ${what}`;
}
