/**
 * State layout of the settlement module (prefix 0x05):
 *   05 01 ‖ receiptId(32)  → where the receipt settled: RLP([batchRoot, height, index, receiptHash])
 *   05 02 ‖ batchRoot(32)  → the batch: RLP([node, count, blobId, height, amount])
 * One record per receipt is what makes "a receipt settles once, ever" checkable, and what a
 * client proves (with /store) against the app hash.
 */
import { concatBytes, fromHex } from '../../core/bytes.ts'
import type { Hex } from '../../core/bytes.ts'

export const SETTLEMENT_PREFIX = 0x05

export function receiptKey(receiptId: Hex): Uint8Array {
  return concatBytes(Uint8Array.of(SETTLEMENT_PREFIX, 0x01), fromHex(receiptId, 32))
}

export function batchKey(root: Hex): Uint8Array {
  return concatBytes(Uint8Array.of(SETTLEMENT_PREFIX, 0x02), fromHex(root, 32))
}
