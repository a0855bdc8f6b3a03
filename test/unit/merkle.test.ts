import { describe, expect, test } from '@jest/globals';
import { inclusionPath, inclusionProof, leafHash, merkleRoot, MerkleFrontier, rootFromInclusionProof } from '../../audit/merkle.js';
import { defined } from '../support/answers.js';

// The Certificate Transparency reference vectors for RFC 6962 (leaves, roots of every prefix, proofs).
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => leafHash(Buffer.from(h, 'hex')));
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('Merkle tree (RFC 6962)', () => {
  test('roots of every prefix match the reference, whole-tree and one leaf at a time', () => {
    const frontier = new MerkleFrontier();
    expect(hex(frontier.root())).toBe(ROOTS[0]);
    LEAVES.forEach((leaf, i) => {
      expect(hex(merkleRoot(LEAVES.slice(0, i + 1)))).toBe(ROOTS[i + 1]);
      frontier.append(leaf);
      expect(hex(frontier.root())).toBe(ROOTS[i + 1]);
      expect(hex(new MerkleFrontier(frontier.state()).root())).toBe(ROOTS[i + 1]);
    });
  });

  test('inclusion proofs match the reference vectors', () => {
    expect(inclusionProof(LEAVES, 0).map(hex)).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    expect(inclusionProof(LEAVES, 5).map(hex)).toEqual([
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
  });

  test('every proof of every tree up to 40 leaves verifies; a wrong leaf, index or sibling does not', () => {
    const leaves = Array.from({ length: 40 }, (_, i) => leafHash(Buffer.from([i, i * 7])));
    for (let size = 1; size <= leaves.length; size += 1) {
      const tree = leaves.slice(0, size);
      const root = hex(merkleRoot(tree));
      for (let index = 0; index < size; index += 1) {
        const proof = inclusionProof(tree, index);
        const leaf = defined(tree[index], `leaf ${index}`);
        expect(hex(rootFromInclusionProof(leaf, index, size, proof) ?? Buffer.alloc(0))).toBe(root);
        expect(hex(rootFromInclusionProof(leafHash(Buffer.from('forged')), index, size, proof) ?? Buffer.alloc(0))).not.toBe(root);
        if (size > 1) {
          expect(hex(rootFromInclusionProof(leaf, (index + 1) % size, size, proof) ?? Buffer.alloc(0))).not.toBe(root);
          const bent = proof.map((p, j) => (j === 0 ? leafHash(p) : p));
          expect(hex(rootFromInclusionProof(leaf, index, size, bent) ?? Buffer.alloc(0))).not.toBe(root);
        }
      }
    }
  });

  test('the frontier reports every perfect subtree as it completes, with its start, size and root', () => {
    const leaves = Array.from({ length: 40 }, (_, i) => leafHash(Buffer.from([i])));
    const reported: string[] = [];
    const frontier = new MerkleFrontier(undefined, (start, size, hash) => {
      expect(hex(hash)).toBe(hex(merkleRoot(leaves.slice(start, start + size))));
      reported.push(`${start}+${size}`);
    });
    for (const leaf of leaves) frontier.append(leaf);
    const expected: string[] = [];
    for (let size = 2; size <= 32; size *= 2) for (let start = 0; start + size <= 40; start += size) expected.push(`${start}+${size}`);
    expect(reported.sort()).toEqual(expected.sort());
  });

  test('an audit path built from subtree roots equals the one built from leaves, and asks only for aligned perfect subtrees', () => {
    const leaves = Array.from({ length: 1000 }, (_, i) => leafHash(Buffer.from([i % 256, i >> 8])));
    for (const [index, size] of [
      [0, 1000],
      [517, 1000],
      [999, 1000],
      [255, 256],
      [300, 513],
    ] as const) {
      const asked: [number, number][] = [];
      const path = inclusionPath(index, size, (start, n) => {
        asked.push([start, n]);
        return merkleRoot(leaves.slice(start, start + n));
      });
      expect(path.map(hex)).toEqual(inclusionProof(leaves.slice(0, size), index).map(hex));
      for (const [start, n] of asked) {
        expect(n & (n - 1)).toBe(0);
        expect(start % n).toBe(0);
      }
      expect(asked.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(size)));
    }
  });
});
