import { sql } from 'kysely';
import type { HubDb } from '../database.js';

/** Who set a subject's registered name and category, and with what precedence (see upsertSubjects). */
export async function up(db: HubDb): Promise<void> {
  for (const statement of DDL.split(/;\s*\n/).filter((s) => s.trim())) {
    await sql.raw(statement).execute(db);
  }
}

const DDL = `
alter table subjects add column name_agency text references agencies (code);
alter table subjects add column name_rank smallint not null default 0;
-- Before this, a subject's name was the one most recently published: credit it to the agency of the
-- subject's latest record, at the rank of an ordinary agency (1), so only a registration authority
-- (rank 2) or that agency itself renames it from now on.
update subjects s set name_agency = latest.agency_code, name_rank = 1
from (
  select distinct on (subject_uscc) subject_uscc, agency_code
  from records where subject_uscc is not null
  order by subject_uscc, version desc
) latest
where latest.subject_uscc = s.uscc;
`;
