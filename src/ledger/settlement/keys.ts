/**
 * State layout of the settlement module (prefix 0x05):
 *   05 02 ‖ batchRoot(32)      → the batch: RLP([node, count, blobId, height, amount, [[receiptId, receiptHash], …]])
 *   ff 05 01 ‖ receiptId(32)   → index (not state): RLP([batchRoot, height, index, receiptHash])
 * The batch record, in the trie, lists every receipt it settled: that is what the app hash
 * covers and what a client proves (with /store) to show its receipt settled. The per-receipt
 * index, derived from those records and written in the same commit, answers "has this id
 * settled?" without a trie insert per receipt (the measured bottleneck of settlement).
 */
import { InvalidHexError, concatBytes, fromHex, toHex } from '../../core/bytes.ts'
import type { Hex } from '../../core/bytes.ts'
import { INDEX_PREFIX } from '../state/ledger-store.ts'

export const SETTLEMENT_PREFIX = 0x05

const RECEIPT_KEY_PREFIX = Uint8Array.of(INDEX_PREFIX, SETTLEMENT_PREFIX, 0x01)

/** From the id's bytes or hex; settlement makes one per receipt, from the receipt's own bytes. */
export function receiptKey(receiptId: Hex | Uint8Array): Uint8Array {
  const id = typeof receiptId === 'string' ? fromHex(receiptId, 32) : receiptId
  if (id.length !== 32) throw new InvalidHexError({ value: toHex(id), expectedBytes: 32 })
  const key = new Uint8Array(35)
  key.set(RECEIPT_KEY_PREFIX)
  key.set(id, 3)
  return key
}

export function batchKey(root: Hex): Uint8Array {
  return concatBytes(Uint8Array.of(SETTLEMENT_PREFIX, 0x02), fromHex(root, 32))
}
