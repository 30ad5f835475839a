/**
 * State layout of the settlement module (prefix 0x05, from the ledger's table, keyPrefixes.ts):
 *   05 00                      → settlement params: [verifyReceiptSignatures, slashCompensationBps]
 *   05 02 ‖ batchRoot(32)      → the batch: RLP([node, count, blobId, height, amount, [[receiptId, receiptHash], …]])
 *   ff 05 01 ‖ receiptId(32)   → index (not state): RLP([batchRoot, height, index, receiptHash])
 * The batch record, in the trie, lists every receipt it settled: that is what the app hash
 * covers and what a client proves (with /store) to show its receipt settled. The per-receipt
 * index, derived from those records and written in the same commit, answers "has this id
 * settled?" without a trie insert per receipt (the measured bottleneck of settlement).
 */
import { InvalidHexError, concatBytes, fromHex, toHex } from '../../core/bytes.ts'
import type { Hex } from '../../core/bytes.ts'
import { keyPrefix, moduleByte } from '../keyPrefixes.ts'

export const SETTLEMENT_PREFIX = moduleByte('settlement')
/** Starts with the derived-index byte (0xff, INDEX_PREFIX of state/ledger-store.ts): not state. */
const RECEIPT_KEY_PREFIX = keyPrefix('settlementReceiptIndex')
const BATCH = keyPrefix('settlementBatch')

export const SETTLEMENT_PARAMS_KEY = keyPrefix('settlementParams')

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
  return concatBytes(BATCH, fromHex(root, 32))
}
