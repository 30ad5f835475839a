/**
 * The batch Merkle tree: leaf = sha256(0x00 ‖ entry), node = sha256(0x01 ‖ left ‖ right), an
 * odd node at the end of a level moves up unchanged (no duplication, so no second tree has
 * the same root). Domain bytes keep a leaf from passing as an inner node.
 */
import { equalBytes } from '../core/bytes.ts'
import { sha256, sha256Parts } from '../core/hash.ts'

export const LEAF_DOMAIN = Uint8Array.of(0)
export const NODE_DOMAIN = Uint8Array.of(1)

export function merkleLeaf(entry: Uint8Array): Uint8Array {
  return sha256Parts(LEAF_DOMAIN, entry)
}

function parent(a: Uint8Array, b: Uint8Array): Uint8Array {
  return sha256Parts(NODE_DOMAIN, a, b)
}

export function merkleRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256(new Uint8Array())
  let level = leaves
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? parent(level[i], level[i + 1]) : level[i])
    level = next
  }
  return level[0]
}

/** Sibling hashes from the leaf up, each marked with the side it is on. */
export type MerkleProof = Array<{ left: boolean; hash: Uint8Array }>

export function merkleProof(leaves: Uint8Array[], index: number): MerkleProof {
  const proof: MerkleProof = []
  let level = leaves
  let i = index
  while (level.length > 1) {
    const sibling = i ^ 1
    if (sibling < level.length) proof.push({ left: sibling < i, hash: level[sibling] })
    const next: Uint8Array[] = []
    for (let j = 0; j < level.length; j += 2) next.push(j + 1 < level.length ? parent(level[j], level[j + 1]) : level[j])
    level = next
    i = Math.floor(i / 2)
  }
  return proof
}

export function verifyMerkleProof(leaf: Uint8Array, proof: MerkleProof, root: Uint8Array): boolean {
  let h = leaf
  for (const step of proof) h = step.left ? parent(step.hash, h) : parent(h, step.hash)
  return equalBytes(h, root)
}
