import { sql } from 'kysely';
import type { HubDb } from './database.js';

export interface AuditAppend {
  readonly at: Date;
  readonly clientId: string;
  readonly operation: string;
  readonly subjects: readonly string[];
  readonly purpose: string | null;
  readonly outcome: string;
  /** The entry as hashed: the log's leaf. */
  readonly entry: string;
  readonly leafHashHex: string;
}

/**
 * Appends one entry as the log's next leaf and chain link, in one statement: the update of the
 * single audit_head row serialises appends (and holds until the surrounding transaction ends, so an
 * entry written with a change commits or rolls back with it). Returns the entry's seq.
 */
export async function appendAuditEntry(db: HubDb, entry: AuditAppend): Promise<number> {
  const result = await sql<{ seq: number }>`
    with head as (
      update audit_head set size = size + 1, chain_hash = sha256(chain_hash || decode(${entry.leafHashHex}, 'hex'))
      returning size - 1 as seq, chain_hash
    ),
    appended as (
      insert into audit_log (seq, at, client_id, operation, subjects, purpose, outcome, entry, leaf_hash, chain_hash)
      select seq, ${entry.at}, ${entry.clientId}, ${entry.operation}, ${[...entry.subjects]}::text[], ${entry.purpose}, ${entry.outcome}, ${entry.entry},
        decode(${entry.leafHashHex}, 'hex'), chain_hash
      from head
      returning seq
    ),
    indexed as (
      insert into audit_subjects (subject, seq) select distinct unnest(${[...entry.subjects]}::text[]), seq from appended
    )
    select seq from appended`.execute(db);
  const [appended] = result.rows;
  if (!appended) throw new Error('the audit entry was not appended');
  return appended.seq;
}

export interface AuditRow {
  readonly seq: number;
  readonly at: Date;
  readonly client_id: string;
  readonly operation: string;
  readonly subjects: string[];
  readonly purpose: string | null;
  readonly outcome: string;
  readonly entry: string;
  readonly leaf_hash: string;
  readonly chain_hash: string;
}

export interface AuditFilter {
  readonly clientId?: string;
  readonly subject?: string;
  readonly from?: Date;
  readonly to?: Date;
}

const hex = (column: 'leaf_hash' | 'chain_hash') => sql<string>`encode(${sql.ref(column)}, 'hex')`.as(column);
const ROW = ['seq', 'at', 'client_id', 'operation', 'subjects', 'purpose', 'outcome', 'entry', hex('leaf_hash'), hex('chain_hash')] as const;

/** Entries matching the filter, newest first, after the given seq (keyset). */
export async function listAuditEntries(
  db: HubDb,
  filter: AuditFilter,
  first: number,
  beforeSeq: number | undefined,
): Promise<{ rows: AuditRow[]; hasMore: boolean }> {
  let query = db.selectFrom('audit_log').select(ROW);
  if (filter.clientId) query = query.where('client_id', '=', filter.clientId);
  if (filter.subject) {
    const { subject } = filter;
    query = query.where('seq', 'in', (eb) => {
      let touched = eb.selectFrom('audit_subjects').select('audit_subjects.seq').where('subject', '=', subject);
      if (beforeSeq !== undefined) touched = touched.where('audit_subjects.seq', '<', beforeSeq);
      // With no other filter the page is the subject's newest entries: read no more of its index than that.
      const alone = !filter.clientId && !filter.from && !filter.to;
      return alone ? touched.orderBy('audit_subjects.seq', 'desc').limit(first + 1) : touched;
    });
  }
  if (filter.from) query = query.where('at', '>=', filter.from);
  if (filter.to) query = query.where('at', '<', filter.to);
  if (beforeSeq !== undefined) query = query.where('seq', '<', beforeSeq);
  const rows = await query
    .orderBy('seq', 'desc')
    .limit(first + 1)
    .execute();
  return { rows: rows.slice(0, first), hasMore: rows.length > first };
}

export async function findAuditEntry(db: HubDb, seq: number): Promise<AuditRow | undefined> {
  return db.selectFrom('audit_log').select(ROW).where('seq', '=', seq).executeTakeFirst();
}

/** Entries with seq ≥ fromSeq in seq order, `limit` at a time (for the verifier). */
export async function readAuditEntries(db: HubDb, fromSeq: number, limit: number): Promise<AuditRow[]> {
  return db.selectFrom('audit_log').select(ROW).where('seq', '>=', fromSeq).orderBy('seq').limit(limit).execute();
}

/** Leaf hashes of entries [fromSeq, toSeq), in order. */
export async function readLeafHashes(db: HubDb, fromSeq: number, toSeq: number): Promise<Buffer[]> {
  const rows = await db.selectFrom('audit_log').select(hex('leaf_hash')).where('seq', '>=', fromSeq).where('seq', '<', toSeq).orderBy('seq').execute();
  return rows.map((row) => Buffer.from(row.leaf_hash, 'hex'));
}

export async function readAuditHead(db: HubDb): Promise<{ size: number; chainHash: string }> {
  const row = await db
    .selectFrom('audit_head')
    .select(['size', sql<string>`encode(chain_hash, 'hex')`.as('chain_hash')])
    .executeTakeFirstOrThrow();
  return { size: row.size, chainHash: row.chain_hash };
}

export interface CheckpointRow {
  readonly tree_size: number;
  readonly root_hash: string;
  readonly signed: string;
  readonly frontier: string;
  readonly created_at: Date;
}

const CHECKPOINT = ['tree_size', sql<string>`encode(root_hash, 'hex')`.as('root_hash'), 'signed', 'frontier', 'created_at'] as const;

export async function latestCheckpoint(db: HubDb): Promise<CheckpointRow | undefined> {
  return db.selectFrom('audit_checkpoints').select(CHECKPOINT).orderBy('tree_size', 'desc').limit(1).executeTakeFirst();
}

/** The smallest checkpoint covering the entry `seq`, if one exists. */
export async function checkpointCovering(db: HubDb, seq: number): Promise<CheckpointRow | undefined> {
  return db.selectFrom('audit_checkpoints').select(CHECKPOINT).where('tree_size', '>', seq).orderBy('tree_size').limit(1).executeTakeFirst();
}

export async function listCheckpoints(db: HubDb): Promise<CheckpointRow[]> {
  return db.selectFrom('audit_checkpoints').select(CHECKPOINT).orderBy('tree_size').execute();
}

/** A perfect subtree of the audit tree: 2^level leaves from leaf position·2^level. */
export interface SubtreeRoot {
  readonly level: number;
  readonly position: number;
  readonly hash: Uint8Array;
}

/** How readSubtreeRoots keys its answer. */
export const subtreeKey = (level: number, position: number): string => `${level}:${position}`;

/** Stores subtree roots; another process may have stored some first (the same ones), which is as good. */
export async function insertSubtreeRoots(db: HubDb, roots: readonly SubtreeRoot[]): Promise<void> {
  if (roots.length === 0) return;
  const rows = roots.map((root) => ({ level: root.level, position: root.position, hash: Buffer.from(root.hash).toString('hex') }));
  await sql`insert into audit_subtrees (level, position, hash)
    select level, position, decode(hash, 'hex') from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as t(level smallint, position bigint, hash text)
    on conflict (level, position) do nothing`.execute(db);
}

/** The stored roots among the wanted (level, position) pairs, keyed by subtreeKey. */
export async function readSubtreeRoots(db: HubDb, wanted: readonly { level: number; position: number }[]): Promise<Map<string, Buffer>> {
  if (wanted.length === 0) return new Map();
  const rows = await sql<{ level: number; position: number; hash: string }>`
    select s.level, s.position, encode(s.hash, 'hex') as hash
    from audit_subtrees s join jsonb_to_recordset(${JSON.stringify(wanted)}::jsonb) as w(level smallint, position bigint)
      on s.level = w.level and s.position = w.position`.execute(db);
  return new Map(rows.rows.map((row) => [subtreeKey(row.level, row.position), Buffer.from(row.hash, 'hex')]));
}

/** Stores a checkpoint; another process may have stored the same size first, which is as good. */
export async function insertCheckpoint(db: HubDb, checkpoint: { treeSize: number; rootHex: string; signed: string; frontier: string }): Promise<void> {
  await sql`insert into audit_checkpoints (tree_size, root_hash, signed, frontier)
    values (${checkpoint.treeSize}, decode(${checkpoint.rootHex}, 'hex'), ${checkpoint.signed}, ${checkpoint.frontier})
    on conflict (tree_size) do nothing`.execute(db);
}

/** The subject index for entries [fromSeq, toSeq): seq → its subjects, sorted (for the verifier). */
export async function readSubjectIndex(db: HubDb, fromSeq: number, toSeq: number): Promise<Map<number, string[]>> {
  const rows = await db
    .selectFrom('audit_subjects')
    .select(['seq', 'subject'])
    .where('seq', '>=', fromSeq)
    .where('seq', '<', toSeq)
    .orderBy('seq')
    .orderBy('subject')
    .execute();
  const index = new Map<number, string[]>();
  for (const row of rows) index.set(row.seq, [...(index.get(row.seq) ?? []), row.subject]);
  return index;
}
