/**
 * CometBFT's simple Merkle tree (crypto/merkle/tree.go, RFC 6962 style): leaves hashed with a
 * 0x00 prefix, inner nodes with 0x01, split at the largest power of two below n. Not haca's
 * settlement tree (src/protocol/merkle.ts), which is built differently.
 */
import { sha256, sha256Parts } from '../../core/hash.ts'

const LEAF_PREFIX = new Uint8Array([0])
const INNER_PREFIX = new Uint8Array([1])

export function leafHash(leaf: Uint8Array): Uint8Array {
  return sha256Parts(LEAF_PREFIX, leaf)
}

export function innerHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256Parts(INNER_PREFIX, left, right)
}

/** The largest power of two strictly less than n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/** merkle.HashFromByteSlices: the root over the items in order; the hash of nothing for none. */
export function hashFromByteSlices(items: Uint8Array[]): Uint8Array {
  if (items.length === 0) return sha256(new Uint8Array(0))
  if (items.length === 1) return leafHash(items[0]!)
  const k = splitPoint(items.length)
  return innerHash(hashFromByteSlices(items.slice(0, k)), hashFromByteSlices(items.slice(k)))
}
