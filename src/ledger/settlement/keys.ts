/**
 * State layout of the settlement module (prefix 0x05):
 *   05 02 ‖ batchRoot(32)      → the batch: RLP([node, count, blobId, height, amount, [[receiptId, receiptHash], …]])
 *   ff 05 01 ‖ receiptId(32)   → index (not state): RLP([batchRoot, height, index, receiptHash])
 * The batch record, in the trie, lists every receipt it settled: that is what the app hash
 * covers and what a client proves (with /store) to show its receipt settled. The per-receipt
 * index, derived from those records and written in the same commit, answers "has this id
 * settled?" without a trie insert per receipt (the measured bottleneck of settlement).
 */
import { InvalidHexError, concatBytes, fromHex } from '../../core/bytes.ts'
import type { Hex } from '../../core/bytes.ts'
import { INDEX_PREFIX } from '../state/ledger-store.ts'

export const SETTLEMENT_PREFIX = 0x05

const RECEIPT_KEY_PREFIX = Buffer.of(INDEX_PREFIX, SETTLEMENT_PREFIX, 0x01).toString('hex')

/** Built from the id's hex in one step: settlement makes two per receipt. */
export function receiptKey(receiptId: Hex): Uint8Array {
  if (receiptId.length !== 66) throw new InvalidHexError({ value: receiptId, expectedBytes: 32 })
  return fromHex(`${RECEIPT_KEY_PREFIX}${receiptId.slice(2)}`, 35)
}

export function batchKey(root: Hex): Uint8Array {
  return concatBytes(Uint8Array.of(SETTLEMENT_PREFIX, 0x02), fromHex(root, 32))
}
