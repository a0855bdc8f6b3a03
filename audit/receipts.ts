import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { SigningKeys } from '../access/signing-keys.js';
import { checkpointCovering, findAuditEntry, latestCheckpoint, type CheckpointRow } from '../store/audit-queries.js';
import type { HubDb } from '../store/database.js';
import type { AppendedEntry } from './audit-log.js';
import { CHECKPOINT_TYP, inclusionProofAt } from './checkpoints.js';
import { leafHash, rootFromInclusionProof } from './merkle.js';

export const RECEIPT_TYP = 'audit-receipt+jwt';

/**
 * What a receipt states: the hub appended an entry with this leaf hash at `seq`, so the log's tree
 * includes it from size `treeSize` (seq + 1) on.
 */
export interface AuditReceipt {
  readonly seq: number;
  readonly leafHash: string;
  readonly treeSize: number;
}

export interface ReceiptSigningDeps {
  readonly keys: SigningKeys;
  readonly issuer: string;
  readonly clock: () => Date;
}

/** A compact JWS (typ audit-receipt+jwt) with claims { iss, seq, leaf_hash, tree_size, iat }, signed with the hub's active key. */
export async function signAuditReceipt(deps: ReceiptSigningDeps, entry: AppendedEntry): Promise<string> {
  const claims = { iss: deps.issuer, seq: entry.seq, leaf_hash: entry.leafHash, tree_size: entry.seq + 1, iat: Math.floor(deps.clock().getTime() / 1000) };
  return deps.keys.sign(claims, RECEIPT_TYP);
}

const isSeq = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/**
 * Checks a receipt's signature against the hub's public keys (`jwks`: e.g. jose's
 * createLocalJWKSet over /.well-known/jwks.json) and its claims; returns what it states, or why it
 * is not a receipt of this hub.
 */
export async function verifyAuditReceipt(receipt: string, jwks: JWTVerifyGetKey, issuer: string): Promise<AuditReceipt | { error: string }> {
  let payload: Record<string, unknown>;
  try {
    payload = (await jwtVerify(receipt, jwks, { typ: RECEIPT_TYP, issuer })).payload;
  } catch (error) {
    return { error: `the receipt's signature does not verify against the hub's keys: ${error instanceof Error ? error.message : String(error)}` };
  }
  const { seq, leaf_hash: leaf, tree_size: treeSize } = payload;
  if (!isSeq(seq) || treeSize !== seq + 1 || typeof leaf !== 'string' || !/^[0-9a-f]{64}$/.test(leaf)) {
    return { error: 'the receipt lacks claims seq, leaf_hash (64 hex digits) and tree_size (seq + 1)' };
  }
  return { seq, leafHash: leaf, treeSize };
}

export type ReceiptVerdict =
  /** The log holds the entry as receipted, and the signed checkpoints examined include it. */
  | 'HELD'
  /** The entry at seq is not the receipted one, or a signed checkpoint covering seq does not include it. */
  | 'ALTERED'
  /** The log holds no entry at seq. */
  | 'DROPPED'
  /** The receipt is not one this hub signed. */
  | 'INVALID';

export interface ReceiptCheck {
  readonly verdict: ReceiptVerdict;
  /** One line saying what was found. */
  readonly message: string;
}

export interface ReceiptCheckDeps {
  readonly db: HubDb;
  readonly jwks: JWTVerifyGetKey;
  readonly issuer: string;
}

/**
 * Whether the log still holds what a receipt states: the entry at its seq has the receipted leaf
 * hash (column and recomputed from the entry's text), and the smallest and the newest signed
 * checkpoints covering seq include that leaf (inclusion proof from the log's other entries,
 * folded to the checkpoint's signed root). Reads only; signs nothing.
 */
export async function checkAuditReceipt(deps: ReceiptCheckDeps, receipt: string): Promise<ReceiptCheck> {
  const stated = await verifyAuditReceipt(receipt, deps.jwks, deps.issuer);
  if ('error' in stated) return { verdict: 'INVALID', message: stated.error };
  const { seq } = stated;
  const row = await findAuditEntry(deps.db, seq);
  if (!row) return { verdict: 'DROPPED', message: `entry ${seq} was dropped: the log holds no entry at the receipted position` };
  if (row.leaf_hash !== stated.leafHash || leafHash(Buffer.from(row.entry, 'utf8')).toString('hex') !== stated.leafHash) {
    return { verdict: 'ALTERED', message: `entry ${seq} was altered: the log's entry at that position is not the one the hub receipted` };
  }
  const checkpoints = await checkpointsCovering(deps.db, seq);
  for (const checkpoint of checkpoints) {
    const problem = await inclusionProblem(deps, stated, checkpoint);
    if (problem) return { verdict: 'ALTERED', message: `entry ${seq}: ${problem}` };
  }
  const sizes = checkpoints.map((c) => c.tree_size).join(' and ');
  return {
    verdict: 'HELD',
    message: checkpoints.length
      ? `entry ${seq} is in the log as receipted, and in the signed checkpoints of size ${sizes}`
      : `entry ${seq} is in the log as receipted; no signed checkpoint covers it yet`,
  };
}

/** The smallest and the newest checkpoint of size > seq (one when they are the same; none before one is signed). */
async function checkpointsCovering(db: HubDb, seq: number): Promise<CheckpointRow[]> {
  const first = await checkpointCovering(db, seq);
  if (!first) return [];
  const newest = await latestCheckpoint(db);
  return newest && newest.tree_size !== first.tree_size ? [first, newest] : [first];
}

/** Why the checkpoint does not include the receipted leaf at seq, or undefined when it does. */
async function inclusionProblem(deps: ReceiptCheckDeps, stated: AuditReceipt, checkpoint: CheckpointRow): Promise<string | undefined> {
  const size = checkpoint.tree_size;
  let signedRoot: unknown;
  try {
    const { payload } = await jwtVerify(checkpoint.signed, deps.jwks, { typ: CHECKPOINT_TYP, issuer: deps.issuer });
    if (payload['tree_size'] !== size) return `the checkpoint stored at size ${size} was signed for another size`;
    signedRoot = payload['root_hash'];
  } catch {
    return `the checkpoint stored at size ${size} is not signed by the hub`;
  }
  let root: Buffer | undefined;
  try {
    const { auditPath } = await inclusionProofAt(deps.db, stated.seq, size);
    root = rootFromInclusionProof(
      Buffer.from(stated.leafHash, 'hex'),
      stated.seq,
      size,
      auditPath.map((h) => Buffer.from(h, 'hex')),
    );
  } catch {
    root = undefined; // the log lacks entries the proof needs
  }
  return root?.toString('hex') === signedRoot
    ? undefined
    : `the log no longer proves the receipted entry in the signed checkpoint of size ${size} (entries were altered or dropped)`;
}
