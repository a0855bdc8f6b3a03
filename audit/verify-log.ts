import type { SigningKeys } from '../access/signing-keys.js';
import type { HubDb } from '../store/database.js';
import {
  listCheckpoints,
  readAuditEntries,
  readAuditHead,
  readSubjectIndex,
  readSubtreeRoots,
  subtreeKey,
  type AuditRow,
  type SubtreeRoot,
} from '../store/audit-queries.js';
import { indexedColumnsOf } from './audit-log.js';
import { keepStoredSubtrees, verifyCheckpointSignature } from './checkpoints.js';
import { chainLink, EMPTY_TREE_ROOT, leafHash, MerkleFrontier } from './merkle.js';

export interface LogProblem {
  /** The first entry found altered, missing or out of place (for a checkpoint: the tree size it covers). */
  readonly seq: number;
  readonly problem: string;
}

export interface LogVerification {
  readonly entries: number;
  readonly checkpoints: number;
  /** The first problem found, in log order; undefined when the whole log verifies. */
  readonly firstProblem: LogProblem | undefined;
}

const PAGE = 5_000;

/** Why a row's stored columns do not match the entry text they were derived from, or undefined. */
function columnMismatch(row: AuditRow): string | undefined {
  let fixed: ReturnType<typeof indexedColumnsOf>;
  try {
    fixed = indexedColumnsOf(row.entry);
  } catch {
    return 'its entry text is not valid JSON';
  }
  if (fixed.at !== row.at.toISOString()) return 'column at differs from the hashed entry';
  if (fixed.client !== row.client_id) return 'column client_id differs from the hashed entry';
  if (fixed.operation !== row.operation) return 'column operation differs from the hashed entry';
  if (fixed.outcome !== row.outcome) return 'column outcome differs from the hashed entry';
  if (fixed.purpose !== row.purpose) return 'column purpose differs from the hashed entry';
  if (JSON.stringify(fixed.subjects) !== JSON.stringify(row.subjects)) return 'column subjects differs from the hashed entry';
  return undefined;
}

/**
 * Verifies the whole audit log: every entry's hash, the hash chain, the dense sequence, the head,
 * every signed checkpoint's signature and Merkle root, and the stored subtree roots proofs are made
 * of. Streams the log; memory stays flat. `onProgress` is called after each page with the entries
 * checked so far and the log's size.
 */
export async function verifyAuditLog(
  db: HubDb,
  keys: SigningKeys,
  issuer: string,
  onProgress?: (checked: number, total: number) => void,
): Promise<LogVerification> {
  const checkpoints = await listCheckpoints(db);
  const head = await readAuditHead(db);
  const completed: SubtreeRoot[] = [];
  const frontier = new MerkleFrontier(undefined, keepStoredSubtrees(completed));
  // Link -1 is SHA-256 of the empty string, as the head starts.
  let chain: Buffer = Buffer.from(EMPTY_TREE_ROOT);
  let expected = 0;
  let checkpointIndex = 0;
  let firstProblem: LogProblem | undefined;
  const fail = (seq: number, problem: string) => (firstProblem ??= { seq, problem });

  const checkCheckpointsUpTo = async (size: number) => {
    for (let checkpoint = checkpoints[checkpointIndex]; checkpoint && checkpoint.tree_size <= size; checkpoint = checkpoints[checkpointIndex]) {
      checkpointIndex += 1;
      if (checkpoint.tree_size !== size) continue;
      const claims = await verifyCheckpointSignature(keys, issuer, checkpoint.signed);
      if ('error' in claims) fail(size, `checkpoint at size ${size}: ${claims.error}`);
      else if (claims.treeSize !== size || claims.rootHash !== checkpoint.root_hash)
        fail(size, `checkpoint at size ${size}: stored size or root differs from what was signed`);
      else if (claims.rootHash !== frontier.root().toString('hex'))
        fail(
          size,
          `checkpoint at size ${size}: the log's first ${size} entries no longer hash to the signed root (an entry before ${size} was altered or replaced)`,
        );
    }
  };

  await checkCheckpointsUpTo(0);
  for (;;) {
    const rows = await readAuditEntries(db, expected, PAGE);
    const [first, last] = [rows.at(0), rows.at(-1)];
    const subjectIndex = first && last ? await readSubjectIndex(db, first.seq, last.seq + 1) : new Map<number, string[]>();
    for (const row of rows) {
      if (row.seq !== expected) {
        fail(expected, `entry ${expected} is missing (deleted)`);
        expected = row.seq;
      }
      const leaf = leafHash(Buffer.from(row.entry, 'utf8'));
      if (leaf.toString('hex') !== row.leaf_hash) fail(row.seq, `entry ${row.seq} was altered: its content does not match its leaf hash`);
      const mismatch = columnMismatch(row);
      if (mismatch) fail(row.seq, `entry ${row.seq} was altered: ${mismatch}`);
      if (JSON.stringify(subjectIndex.get(row.seq) ?? []) !== JSON.stringify([...new Set(row.subjects)].sort())) {
        fail(row.seq, `the subject index disagrees with entry ${row.seq} (who looked at a subject would be answered wrongly)`);
      }
      chain = chainLink(chain, Buffer.from(row.leaf_hash, 'hex'));
      if (chain.toString('hex') !== row.chain_hash) {
        fail(row.seq, `entry ${row.seq} breaks the hash chain (an entry was removed, inserted or reordered before it, or it was rewritten)`);
        chain = Buffer.from(row.chain_hash, 'hex');
      }
      frontier.append(leaf);
      expected = row.seq + 1;
      await checkCheckpointsUpTo(expected);
    }
    await checkSubtreeRoots(db, completed.splice(0), fail);
    onProgress?.(expected, head.size);
    if (rows.length < PAGE) break;
  }
  if (head.size !== expected)
    fail(
      Math.min(head.size, expected),
      `the log holds ${expected} entries but its head says ${head.size}: entries at the end were deleted or added outside the hub`,
    );
  else if (head.chainHash !== chain.toString('hex')) fail(expected - 1, 'the head’s hash chain does not match the last entry');
  const beyond = checkpoints.find((c) => c.tree_size > expected);
  if (beyond) fail(expected, `checkpoint at size ${beyond.tree_size} covers entries the log no longer holds (truncated)`);
  return { entries: expected, checkpoints: checkpoints.length, firstProblem };
}

/** Compares the stored roots of subtrees the log completed with the roots recomputed from its entries (a root not stored is fine). */
async function checkSubtreeRoots(db: HubDb, recomputed: readonly SubtreeRoot[], fail: (seq: number, problem: string) => void): Promise<void> {
  const stored = await readSubtreeRoots(
    db,
    recomputed.map(({ level, position }) => ({ level, position })),
  );
  for (const { level, position, hash } of recomputed) {
    const kept = stored.get(subtreeKey(level, position));
    if (kept && !kept.equals(hash)) {
      const first = position * 2 ** level;
      fail(first, `the stored root of entries ${first} to ${first + 2 ** level - 1} differs from those entries: inclusion proofs using it would not check out`);
    }
  }
}
