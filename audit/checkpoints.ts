import { decodeProtectedHeader, jwtVerify } from 'jose';
import type { SigningKeys } from '../access/signing-keys.js';
import type { HubDb } from '../store/database.js';
import { checkpointCovering, insertCheckpoint, latestCheckpoint, readAuditHead, readLeafHashes, type CheckpointRow } from '../store/audit-queries.js';
import { inclusionProof, MerkleFrontier } from './merkle.js';

export const CHECKPOINT_TYP = 'audit-checkpoint+jwt';
const LEAF_PAGE = 10_000;

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

const view = (row: CheckpointRow): SignedCheckpoint => ({ treeSize: row.tree_size, rootHash: row.root_hash, signed: row.signed });

/**
 * Signs a checkpoint of the log as it is now, unless the newest one already covers every entry.
 * Reads only the entries after the previous checkpoint.
 */
export async function signCheckpoint(deps: CheckpointDeps): Promise<SignedCheckpoint> {
  const previous = await latestCheckpoint(deps.db);
  const head = await readAuditHead(deps.db);
  if (previous && previous.tree_size >= head.size) return view(previous);
  const frontier = new MerkleFrontier(previous ? JSON.parse(previous.frontier) : undefined);
  for (let from = frontier.size; from < head.size; from += LEAF_PAGE) {
    for (const leaf of await readLeafHashes(deps.db, from, Math.min(from + LEAF_PAGE, head.size))) frontier.append(leaf);
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

/** An RFC 6962 inclusion proof of entry `seq` in a signed checkpoint; undefined when no such entry exists. */
export async function proveInclusion(deps: CheckpointDeps, seq: number): Promise<InclusionProof | undefined> {
  const checkpoint = await checkpointFor(deps, seq);
  if (!checkpoint) return undefined;
  const leaves = await readLeafHashes(deps.db, 0, checkpoint.treeSize);
  return { seq, leafHash: leaves[seq]!.toString('hex'), auditPath: inclusionProof(leaves, seq).map((h) => h.toString('hex')), checkpoint };
}

/** Checks a checkpoint's signature against the hub's keys; returns its claims, or why it fails. */
export async function verifyCheckpointSignature(keys: SigningKeys, issuer: string, signed: string): Promise<{ treeSize: number; rootHash: string } | { error: string }> {
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
