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
  const [first] = leaves;
  if (!first) return EMPTY_TREE_ROOT;
  if (leaves.length === 1) return Buffer.from(first);
  const k = splitPoint(leaves.length);
  return nodeHash(merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)));
}

/**
 * The root of the perfect subtree of `size` leaves (a power of two) starting at leaf `start` (a
 * multiple of `size`): every piece RFC 6962's recursion needs can be assembled from these.
 */
export type SubtreeRootLookup = (start: number, size: number) => Buffer;

/** MTH(D[start:end]), from the roots of its perfect subtrees. */
function rangeRoot(start: number, end: number, lookup: SubtreeRootLookup): Buffer {
  const n = end - start;
  // In the RFC's recursion from [0, n), a range whose size is a power of two is aligned to it.
  if ((n & (n - 1)) === 0) return lookup(start, n);
  const k = splitPoint(n);
  return nodeHash(rangeRoot(start, start + k, lookup), rangeRoot(start + k, end, lookup));
}

/**
 * PATH(m, D[n]): the audit path proving leaf `index` is in the tree of `treeSize` leaves, from the
 * roots of perfect subtrees: O(log n) of them, so a stored large subtree saves reading its leaves.
 */
export function inclusionPath(index: number, treeSize: number, lookup: SubtreeRootLookup): Buffer[] {
  if (index < 0 || index >= treeSize) throw new RangeError(`leaf ${index} is outside a tree of ${treeSize}`);
  const path = (start: number, end: number): Buffer[] => {
    if (end - start === 1) return [];
    const k = splitPoint(end - start);
    return index < start + k ? [...path(start, start + k), rangeRoot(start + k, end, lookup)] : [...path(start + k, end), rangeRoot(start, start + k, lookup)];
  };
  return path(0, treeSize);
}

/** PATH(m, D[n]) over leaf hashes held in memory. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Buffer[] {
  return inclusionPath(index, leaves.length, (start, size) => merkleRoot(leaves.slice(start, start + size)));
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
 * hashes): the root of any prefix of a log without holding the log in memory. `onSubtreeCompleted`
 * hears of every perfect subtree of two leaves or more as it completes.
 */
export class MerkleFrontier {
  private readonly subtrees: { size: number; hash: Buffer }[] = [];
  private count = 0;

  constructor(
    state?: { size: number; subtrees: readonly { size: number; hash: string }[] },
    private readonly onSubtreeCompleted?: (start: number, size: number, hash: Buffer) => void,
  ) {
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
    let left = this.subtrees.at(-1);
    while (left?.size === node.size) {
      this.subtrees.pop();
      node = { size: left.size * 2, hash: nodeHash(left.hash, node.hash) };
      this.onSubtreeCompleted?.(this.count + 1 - node.size, node.size, node.hash);
      left = this.subtrees.at(-1);
    }
    this.subtrees.push(node);
    this.count += 1;
  }

  root(): Buffer {
    // Folded from the smallest (rightmost) subtree leftwards: root = H(left, root).
    return this.subtrees.reduceRight<Buffer | undefined>((root, subtree) => (root ? nodeHash(subtree.hash, root) : subtree.hash), undefined) ?? EMPTY_TREE_ROOT;
  }

  /** Serialisable state, to resume from later. */
  state(): { size: number; subtrees: { size: number; hash: string }[] } {
    return { size: this.count, subtrees: this.subtrees.map((s) => ({ size: s.size, hash: s.hash.toString('hex') })) };
  }
}
