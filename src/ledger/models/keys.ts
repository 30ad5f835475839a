/**
 * State layout of the models module (prefixes from the ledger's table, keyPrefixes.ts; the trie
 * hashes keys, so lists that clients read are kept as records of their own rather than found
 * by prefix scans):
 *   03 01 ‖ modelId(32)                 → model record
 *   03 02 ‖ len ‖ name                  → name record: owner and versions in registration order
 *   03 04                                → all names, in registration order
 */
import { RLP } from '@ethereumjs/rlp'
import { concatBytes, toHex, utf8 } from '../../core/bytes.ts'
import { sha256 } from '../../core/hash.ts'
import { keyPrefix, moduleByte } from '../keyPrefixes.ts'

export const MODELS_PREFIX = moduleByte('models')
const MODEL = keyPrefix('model')
const MODEL_NAME = keyPrefix('modelName')

export function modelKey(modelId: Uint8Array): Uint8Array {
  return concatBytes(MODEL, modelId)
}

export function nameKey(name: string): Uint8Array {
  const n = utf8(name)
  return concatBytes(MODEL_NAME, Uint8Array.of(n.length), n)
}

export const NAMES_KEY = keyPrefix('modelNames')

/** A model's ID: sha256 of RLP([name, version]); one name@version has one ID on every network. */
export function modelIdOf(name: string, version: string): `0x${string}` {
  return toHex(sha256(RLP.encode([utf8(name), utf8(version)])))
}
