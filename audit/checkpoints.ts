import { decodeProtectedHeader, jwtVerify } from 'jose';
import { z } from 'zod';
import type { SigningKeys } from '../access/signing-keys.js';
import type { HubDb } from '../store/database.js';
import {
  checkpointCovering,
  insertCheckpoint,
  insertSubtreeRoots,
  latestCheckpoint,
  readAuditHead,
  readLeafHashes,
  readSubtreeRoots,
  subtreeKey,
  type CheckpointRow,
  type SubtreeRoot,
} from '../store/audit-queries.js';
import { requireValue } from '../ingestion/require-value.js';
import { EMPTY_TREE_ROOT, inclusionPath, merkleRoot, MerkleFrontier } from './merkle.js';

export const CHECKPOINT_TYP = 'audit-checkpoint+jwt';
const LEAF_PAGE = 10_000;
/** Perfect subtrees of this many leaves (2^8) and more are stored; smaller ones are computed from their leaves. */
const STORED_SUBTREE_LEVEL = 8;
const STORED_SUBTREE_LEAVES = 2 ** STORED_SUBTREE_LEVEL;

/** A MerkleFrontier listener that keeps, in `into`, the completed subtrees large enough to be stored. */
export function keepStoredSubtrees(into: SubtreeRoot[]): (start: number, size: number, hash: Buffer) => void {
  return (start, size, hash) => {
    if (size >= STORED_SUBTREE_LEAVES) into.push({ level: Math.log2(size), position: start / size, hash });
  };
}

export interface CheckpointDeps {
  readonly db: HubDb;
  readonly keys: SigningKeys;
  readonly issuer: string;
  readonly clock: () => Date;
}

export interface SignedCheckpoint {
  readonly treeSize: number;
  readonly rootHash: string;
  /** A JWT (typ audit-checkpoint+jwt) signed with a key of the hub's JWKS: { iss, tree_size, root_hash, iat }. */
  readonly signed: string;
}

/** A checkpoint's stored frontier, as MerkleFrontier.state() wrote it. */
const frontierStateSchema = z.object({
  size: z.number().int().nonnegative(),
  subtrees: z.array(z.object({ size: z.number().int().positive(), hash: z.string().regex(/^[0-9a-f]{64}$/) })),
});

const view = (row: CheckpointRow): SignedCheckpoint => ({ treeSize: row.tree_size, rootHash: row.root_hash, signed: row.signed });

/**
 * Signs a checkpoint of the log as it is now, unless the newest one already covers every entry.
 * Reads only the entries after the previous checkpoint, and stores the roots of the large perfect
 * subtrees those entries complete (before the checkpoint, so a checkpoint never lacks them).
 */
export async function signCheckpoint(deps: CheckpointDeps): Promise<SignedCheckpoint> {
  const previous = await latestCheckpoint(deps.db);
  const head = await readAuditHead(deps.db);
  if (previous && previous.tree_size >= head.size) return view(previous);
  const completed: SubtreeRoot[] = [];
  const frontier = new MerkleFrontier(previous ? frontierStateSchema.parse(JSON.parse(previous.frontier)) : undefined, keepStoredSubtrees(completed));
  for (let from = frontier.size; from < head.size; from += LEAF_PAGE) {
    for (const leaf of await readLeafHashes(deps.db, from, Math.min(from + LEAF_PAGE, head.size))) frontier.append(leaf);
    await insertSubtreeRoots(deps.db, completed.splice(0));
  }
  const rootHash = frontier.root().toString('hex');
  const signed = await deps.keys.sign(
    { iss: deps.issuer, tree_size: head.size, root_hash: rootHash, iat: Math.floor(deps.clock().getTime() / 1000) },
    CHECKPOINT_TYP,
  );
  await insertCheckpoint(deps.db, { treeSize: head.size, rootHex: rootHash, signed, frontier: JSON.stringify(frontier.state()) });
  return { treeSize: head.size, rootHash, signed };
}

/** The checkpoint to prove entry `seq` against: the first covering it, signed now if none does yet. */
export async function checkpointFor(deps: CheckpointDeps, seq: number): Promise<SignedCheckpoint | undefined> {
  const covering = await checkpointCovering(deps.db, seq);
  if (covering) return view(covering);
  const fresh = await signCheckpoint(deps);
  return fresh.treeSize > seq ? fresh : undefined;
}

export interface InclusionProof {
  readonly seq: number;
  readonly leafHash: string;
  readonly auditPath: string[];
  readonly checkpoint: SignedCheckpoint;
}

/**
 * An RFC 6962 inclusion proof of entry `seq` in a signed checkpoint; undefined when no such entry
 * exists. Reads O(log n) stored subtree roots and at most two blocks of 256 leaf hashes (the
 * entry's own and the tree's last), whatever the size of the log.
 */
export async function proveInclusion(deps: CheckpointDeps, seq: number): Promise<InclusionProof | undefined> {
  const checkpoint = await checkpointFor(deps, seq);
  if (!checkpoint) return undefined;
  return { seq, ...(await inclusionProofAt(deps.db, seq, checkpoint.treeSize)), checkpoint };
}

/**
 * The stored leaf hash of entry `seq` and its audit path in the tree of the log's first `treeSize`
 * entries (seq < treeSize), as the log holds them now; signs nothing. Throws when the log lacks an
 * entry the path needs (deleted).
 */
export async function inclusionProofAt(db: HubDb, seq: number, treeSize: number): Promise<{ leafHash: string; auditPath: string[] }> {
  const lookup = await subtreeRootsFor(db, seq, treeSize);
  const auditPath = inclusionPath(seq, treeSize, lookup).map((h) => h.toString('hex'));
  return { leafHash: lookup(seq, 1).toString('hex'), auditPath };
}

/** Loads every subtree root the proof of `seq` in a tree of `treeSize` needs, and answers from them. */
async function subtreeRootsFor(db: HubDb, seq: number, treeSize: number) {
  // A first pass over the proof's recursion lists the perfect subtrees it needs.
  const needed: { start: number; size: number }[] = [{ start: seq, size: 1 }];
  inclusionPath(seq, treeSize, (start, size) => (needed.push({ start, size }), EMPTY_TREE_ROOT));
  const key = (start: number, size: number) => subtreeKey(Math.log2(size), start / size);
  const large = needed.filter((s) => s.size >= STORED_SUBTREE_LEAVES);
  const stored = await readSubtreeRoots(
    db,
    large.map((s) => ({ level: Math.log2(s.size), position: s.start / s.size })),
  );
  // Small subtrees, and large ones not stored (checkpoints signed before subtrees were kept), come from leaves.
  const leaves = new Map<number, Buffer>();
  for (const { start, size } of needed) {
    if (stored.has(key(start, size))) continue;
    const from = size < STORED_SUBTREE_LEAVES ? start - (start % STORED_SUBTREE_LEAVES) : start;
    const to = Math.min(treeSize, size < STORED_SUBTREE_LEAVES ? from + STORED_SUBTREE_LEAVES : start + size);
    if (leaves.has(from) && leaves.has(to - 1)) continue;
    (await readLeafHashes(db, from, to)).forEach((leaf, i) => leaves.set(from + i, leaf));
  }
  return (start: number, size: number): Buffer => {
    const hash = stored.get(key(start, size));
    if (hash) return hash;
    return merkleRoot(Array.from({ length: size }, (_, i) => requireValue(leaves.get(start + i), `leaf ${start + i} read for the proof`)));
  };
}

/** Checks a checkpoint's signature against the hub's keys; returns its claims, or why it fails. */
export async function verifyCheckpointSignature(
  keys: SigningKeys,
  issuer: string,
  signed: string,
): Promise<{ treeSize: number; rootHash: string } | { error: string }> {
  try {
    const { kid } = decodeProtectedHeader(signed);
    const key = kid ? await keys.verificationKey(kid) : undefined;
    if (!key) return { error: `signed with an unknown key (kid ${String(kid).slice(0, 64)})` };
    const { payload } = await jwtVerify(signed, key.key, { algorithms: [key.alg], typ: CHECKPOINT_TYP, issuer });
    if (typeof payload['tree_size'] !== 'number' || typeof payload['root_hash'] !== 'string') return { error: 'claims tree_size and root_hash are missing' };
    return { treeSize: payload['tree_size'], rootHash: payload['root_hash'] };
  } catch (error) {
    return { error: `signature does not verify: ${error instanceof Error ? error.message : String(error)}` };
  }
}
