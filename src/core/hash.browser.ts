/**
 * hash.ts for browsers: the same functions over @noble/hashes (no node:crypto, no Buffer).
 * package.json's `browser` field puts this file in place of hash.ts in browser bundles.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2'
import { keccak_256 } from '@noble/hashes/sha3'

/** sha256 as a latin1 ('binary') string of 32 characters: for code that writes digests into its own buffers. */
export function sha256Binary(data: Uint8Array): string {
  return String.fromCharCode(...nobleSha256(data))
}

export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data)
}

/** Writes sha256(data) into `target` at `offset`. */
export function sha256Into(data: Uint8Array, target: Uint8Array, offset: number): void {
  target.set(nobleSha256(data), offset)
}

/** sha256 of the parts one after the other, without building their concatenation. */
export function sha256Parts(...parts: Uint8Array[]): Uint8Array {
  const h = nobleSha256.create()
  for (const p of parts) h.update(p)
  return h.digest()
}

/** keccak-256 (Ethereum's, not SHA3-256). */
export function keccak256(data: Uint8Array): Uint8Array {
  return keccak_256(data)
}
