/** Receipt ids, made by the node (kept out of receipt.ts so that file stays free of randomness). */
import { randomBytes } from 'node:crypto'
import { type Hex, concatBytes, fromHex, toHex } from '../core/bytes.ts'
import { sha256 } from '../core/hash.ts'
import type { Address } from '../core/keys.ts'

// Unique per process (16 random bytes drawn once) and per call (a counter): ids never repeat,
// without paying for fresh randomness on every answer.
const ID_SALT = randomBytes(16)
let idCounter = 0n

/** A fresh receipt id: sha256(node ‖ request hash ‖ per-process random salt ‖ counter). */
export function newReceiptId(node: Address, requestHash: Hex): Hex {
  idCounter++
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(idCounter)
  return toHex(sha256(concatBytes(fromHex(node, 20), fromHex(requestHash, 32), ID_SALT, counter)))
}

