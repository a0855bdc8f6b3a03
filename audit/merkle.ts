import { createHash } from 'node:crypto';

/** RFC 6962 / RFC 9162 Merkle tree hashing: leaves and nodes are domain-separated by a prefix byte. */

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};
const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

export const EMPTY_TREE_ROOT = sha256();
export const leafHash = (data: Uint8Array): Buffer => sha256(LEAF, data);
export const nodeHash = (left: Uint8Array, right: Uint8Array): Buffer => sha256(NODE, left, right);
/** The log's hash chain beside the tree: link i = SHA-256(link i-1 ‖ leaf hash i), link -1 = SHA-256(""). */
export const chainLink = (previous: Uint8Array, leaf: Uint8Array): Buffer => sha256(previous, leaf);

/** Largest power of two smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]) over leaf hashes. */
export function merkleRoot(leaves: readonly Uint8Array[]): Buffer {
  if (leaves.length === 0) return EMPTY_TREE_ROOT;
  if (leaves.length === 1) return Buffer.from(leaves[0]!);
  const k = splitPoint(leaves.length);
  return nodeHash(merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)));
}

/** PATH(m, D[n]): the audit path proving leaf `index` is in the tree of the given leaf hashes. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Buffer[] {
  if (index < 0 || index >= leaves.length) throw new RangeError(`leaf ${index} is outside a tree of ${leaves.length}`);
  if (leaves.length === 1) return [];
  const k = splitPoint(leaves.length);
  return index < k
    ? [...inclusionProof(leaves.slice(0, k), index), merkleRoot(leaves.slice(k))]
    : [...inclusionProof(leaves.slice(k), index - k), merkleRoot(leaves.slice(0, k))];
}

/** The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or undefined when the proof cannot be right. */
export function rootFromInclusionProof(leaf: Uint8Array, index: number, treeSize: number, proof: readonly Uint8Array[]): Buffer | undefined {
  if (index < 0 || index >= treeSize) return undefined;
  let fn = index;
  let sn = treeSize - 1;
  let root: Buffer = Buffer.from(leaf);
  for (const sibling of proof) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      root = nodeHash(sibling, root);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      root = nodeHash(root, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? root : undefined;
}

/**
 * A tree built one leaf at a time, keeping only the roots of its perfect subtrees (at most log2 n
 * hashes): the root of any prefix of a log without holding the log in memory.
 */
export class MerkleFrontier {
  private readonly subtrees: { size: number; hash: Buffer }[] = [];
  private count = 0;

  constructor(state?: { size: number; subtrees: readonly { size: number; hash: string }[] }) {
    if (state) {
      this.count = state.size;
      for (const s of state.subtrees) this.subtrees.push({ size: s.size, hash: Buffer.from(s.hash, 'hex') });
    }
  }

  get size(): number {
    return this.count;
  }

  append(leaf: Uint8Array): void {
    let node: { size: number; hash: Buffer } = { size: 1, hash: Buffer.from(leaf) };
    while (this.subtrees.length > 0 && this.subtrees[this.subtrees.length - 1]!.size === node.size) {
      const left = this.subtrees.pop()!;
      node = { size: left.size * 2, hash: nodeHash(left.hash, node.hash) };
    }
    this.subtrees.push(node);
    this.count += 1;
  }

  root(): Buffer {
    if (this.subtrees.length === 0) return EMPTY_TREE_ROOT;
    let root = this.subtrees[this.subtrees.length - 1]!.hash;
    for (let i = this.subtrees.length - 2; i >= 0; i -= 1) root = nodeHash(this.subtrees[i]!.hash, root);
    return root;
  }

  /** Serialisable state, to resume from later. */
  state(): { size: number; subtrees: { size: number; hash: string }[] } {
    return { size: this.count, subtrees: this.subtrees.map((s) => ({ size: s.size, hash: s.hash.toString('hex') })) };
  }
}
