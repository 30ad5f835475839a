/**
 * State layout of the models module (prefix 0x03; the trie hashes keys, so lists that clients
 * read are kept as records of their own rather than found by prefix scans):
 *   03 01 ‖ modelId(32)                 → model record
 *   03 02 ‖ len ‖ name                  → name record: owner and versions in registration order
 *   03 04                                → all names, in registration order
 */
import { RLP } from '@ethereumjs/rlp'
import { concatBytes, toHex, utf8 } from '../../core/bytes.ts'
import { sha256 } from '../../core/hash.ts'

export const MODELS_PREFIX = 0x03

export function modelKey(modelId: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(MODELS_PREFIX, 0x01), modelId)
}

export function nameKey(name: string): Uint8Array {
  const n = utf8(name)
  return concatBytes(Uint8Array.of(MODELS_PREFIX, 0x02, n.length), n)
}

export const NAMES_KEY = Uint8Array.of(MODELS_PREFIX, 0x04)

/** A model's ID: sha256 of RLP([name, version]); one name@version has one ID on every network. */
export function modelIdOf(name: string, version: string): `0x${string}` {
  return toHex(sha256(RLP.encode([utf8(name), utf8(version)])))
}
