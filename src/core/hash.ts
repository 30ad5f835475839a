import { createHash } from 'node:crypto'
import { keccak_256 } from '@noble/hashes/sha3'

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest())
}

/** sha256 of the parts one after the other, without concatenating them first. */
export function sha256Parts(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}

export function keccak256(data: Uint8Array): Uint8Array {
  return keccak_256(data)
}
