import type { SupervisionConfig } from '../config/supervision-schema.js';
import type { CreditClass } from '../store/tables.js';

/** How an enterprise is supervised (分级分类监管): its class and what the policy does for that class. */
export interface SupervisionStanding {
  /** The class the policy is applied for: the grade, or `supervision.ungradedAs` while there is none. */
  readonly creditClass: CreditClass;
  /** False while the enterprise has no grade and is supervised as `ungradedAs`. */
  readonly graded: boolean;
  /** Share of the class drawn in a 双随机 draw, an exact decimal string ("0.02"). */
  readonly samplingRatio: string;
  readonly maxChecksPerYear: number;
  /** 告知承诺 / 容缺受理 the class may use. */
  readonly fastTrack: readonly string[];
  readonly keySupervision: boolean;
}

/** The supervision policy for an enterprise with grade `grade` (null: not graded yet). */
export function supervisionOf(policy: SupervisionConfig, grade: CreditClass | null): SupervisionStanding {
  const creditClass = grade ?? policy.ungradedAs;
  const { samplingRatio, maxChecksPerYear, fastTrack, keySupervision } = policy.classes[creditClass];
  return { creditClass, graded: grade !== null, samplingRatio, maxChecksPerYear, fastTrack, keySupervision };
}
