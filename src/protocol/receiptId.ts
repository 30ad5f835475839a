/** Receipt ids, made by the node (kept out of receipt.ts so that file stays free of randomness). */
import { type Hex, concatBytes, fromHex, toHex } from '../core/bytes.ts'
import { sha256 } from '../core/hash.ts'
import type { Address } from '../core/keys.ts'
import { ProtocolError } from './errors.ts'

// Unique per process (16 random bytes drawn once) and per call (a counter): ids never repeat,
// without paying for fresh randomness on every answer.
const ID_SALT = globalThis.crypto.getRandomValues(new Uint8Array(16))
let idCounter = 0n

/** A fresh receipt id: sha256(node ‖ request hash ‖ per-process random salt ‖ counter). */
export function newReceiptId(node: Address, requestHash: Hex): Hex {
  idCounter++
  return receiptIdOf({ node, requestHash, salt: ID_SALT, counter: idCounter })
}

/**
 * The id for one salt and counter: sha256(node(20) ‖ requestHash(32) ‖ salt(16) ‖ counter as
 * 8 bytes big-endian). Only its uniqueness matters to others (nobody recomputes an id), but
 * the layout is fixed so ids from different implementations never collide.
 */
export function receiptIdOf(p: ReceiptIdParts): Hex {
  return toHex(sha256(receiptIdPreimage(p)))
}

export type ReceiptIdParts = { node: Address; requestHash: Hex; salt: Uint8Array; counter: bigint }

/** The 76 bytes an id hashes. */
export function receiptIdPreimage({ node, requestHash, salt, counter }: ReceiptIdParts): Uint8Array {
  if (salt.length !== 16) throw new ProtocolError(`a receipt id's salt is 16 bytes, not ${salt.length}`, { code: 'invalid_receipt_id_salt' })
  const counterBytes = new Uint8Array(8)
  new DataView(counterBytes.buffer).setBigUint64(0, counter)
  return concatBytes(fromHex(node, 20), fromHex(requestHash, 32), salt, counterBytes)
}

