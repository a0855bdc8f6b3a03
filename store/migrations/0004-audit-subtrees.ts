import { sql } from 'kysely';
import type { HubDb } from '../database.js';

/** Stored roots of the audit tree's large perfect subtrees, so that an inclusion proof reads O(log n) rows, not the whole log. */
export async function up(db: HubDb): Promise<void> {
  for (const statement of DDL.split(/;\s*\n/).filter((s) => s.trim())) {
    await sql.raw(statement).execute(db);
  }
}

const DDL = `
-- The root of the perfect subtree of 2^level leaves starting at leaf (position * 2^level), for
-- levels of 256 leaves and more, stored when a checkpoint covering it is signed. A proof checks out
-- against the signed root only if these are right, so they need no trust; kept, never changed.
create table audit_subtrees (
  level smallint not null,
  position bigint not null,
  hash bytea not null,
  primary key (level, position)
);
create trigger audit_subtrees_append_only before update or delete on audit_subtrees for each row execute function refuse_change();
create trigger audit_subtrees_no_truncate before truncate on audit_subtrees for each statement execute function refuse_change();
`;
