import type { HubDb } from './database.js';

export interface SubjectRow {
  readonly uscc: string;
  readonly name: string;
  readonly category: string;
  readonly division_code: string;
  readonly region: string;
}

/** Keyset position in a name search: ordered by name, then USCC. */
export interface SubjectPosition {
  readonly name: string;
  readonly uscc: string;
}

const SUBJECT_COLUMNS = ['uscc', 'name', 'category', 'division_code', 'region'] as const;

export async function findSubjects(db: HubDb, usccs: readonly string[]): Promise<SubjectRow[]> {
  if (usccs.length === 0) return [];
  return db.selectFrom('subjects').select(SUBJECT_COLUMNS).where('uscc', 'in', usccs).execute();
}

/** Escapes LIKE wildcards so a user's fragment matches literally. */
function likeFragment(fragment: string): string {
  return `%${fragment.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Subjects whose name contains the fragment (case-insensitive), served by the trigram index
 * for fragments of three characters or more.
 */
export async function searchSubjectsByName(db: HubDb, fragment: string, first: number, position: SubjectPosition | undefined) {
  let query = db.selectFrom('subjects').select(SUBJECT_COLUMNS).where('name', 'ilike', likeFragment(fragment));
  if (position) query = query.where((eb) => eb(eb.refTuple('name', 'uscc'), '>', eb.tuple(position.name, position.uscc)));
  const rows = await query
    .orderBy('name')
    .orderBy('uscc')
    .limit(first + 1)
    .execute();
  return { rows: rows.slice(0, first), hasMore: rows.length > first };
}

export async function countSubjectsByName(db: HubDb, fragment: string): Promise<number> {
  const row = await db
    .selectFrom('subjects')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('name', 'ilike', likeFragment(fragment))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
