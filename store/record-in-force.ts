import { sql, type RawBuilder } from 'kysely';

/**
 * The predicate (over records aliased `r`) of a record whose public period has ended by `today` (an
 * ISO date in China time): a penalty past its publication end, another kind past its last valid day,
 * a list entry on or after its removal date (MD_YCRQ), as validateRecord decides at ingestion. The
 * one rule for expiry, for settling a confirmed objection and, negated, for what counts
 * (recordInForce). Never null: a missing date means the period has not ended.
 */
export function periodEnded(today: string): RawBuilder<boolean> {
  return sql<boolean>`(
    (r.kind = 'PENALTY' and r.publication_end is not null and r.publication_end < ${today}::date)
    or (r.kind <> 'PENALTY' and r.valid_to is not null and r.valid_to < ${today}::date)
    or (r.fields->>'MD_YCRQ' is not null and (r.fields->>'MD_YCRQ')::date <= ${today}::date))`;
}

/**
 * The predicate (over records aliased `r`) of a record in force on `today`: ACTIVE and its period not
 * ended (periodEnded). What a grade scores and what a 联合奖惩 measure decides on, so that neither
 * waits for the nightly expiry job and both count the same records.
 */
export function recordInForce(today: string): RawBuilder<boolean> {
  return sql<boolean>`(r.status = 'ACTIVE' and not ${periodEnded(today)})`;
}
