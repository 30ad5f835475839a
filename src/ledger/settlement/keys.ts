/**
 * State layout of the settlement module (prefix 0x05):
 *   05 02 ‖ batchRoot(32)      → the batch: RLP([node, count, blobId, height, amount, [[receiptId, receiptHash], …]])
 *   ff 05 01 ‖ receiptId(32)   → index (not state): RLP([batchRoot, height, index, receiptHash])
 * The batch record, in the trie, lists every receipt it settled: that is what the app hash
 * covers and what a client proves (with /store) to show its receipt settled. The per-receipt
 * index, derived from those records and written in the same commit, answers "has this id
 * settled?" without a trie insert per receipt (the measured bottleneck of settlement).
 */
import { concatBytes, fromHex } from '../../core/bytes.ts'
import type { Hex } from '../../core/bytes.ts'
import { INDEX_PREFIX } from '../state/ledger-store.ts'

export const SETTLEMENT_PREFIX = 0x05

export function receiptKey(receiptId: Hex): Uint8Array {
  return concatBytes(Uint8Array.of(INDEX_PREFIX, SETTLEMENT_PREFIX, 0x01), fromHex(receiptId, 32))
}

export function batchKey(root: Hex): Uint8Array {
  return concatBytes(Uint8Array.of(SETTLEMENT_PREFIX, 0x02), fromHex(root, 32))
}
