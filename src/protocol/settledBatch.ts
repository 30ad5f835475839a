/**
 * The ledger's record of a settled batch: what its settlement module stores under the batch's
 * root, and what a client proves against a committed block's app hash to show its receipt
 * settled (the SDK's `getSettlement`):
 *
 *   record = RLP([node(20), count, blobId, height, amount, [[receiptId(32), receiptHash(32)], …]])
 *
 * with integers as minimal big-endian bytes, entries in the batch's order (an entry's index is
 * its leaf's position in the batch's Merkle tree) and receiptHash = sha256 of the receipt's wire bytes.
 */
import { RLP } from '@ethereumjs/rlp'
import { type Hex, bigintToBytes, fromHex, toHex, utf8 } from '../core/bytes.ts'
import type { Address } from '../core/keys.ts'
import { encodeRlp } from '../core/rlp.ts'
import { readAddress, readBytes, readList, readSmallUint, readString, readUint } from '../core/rlpFields.ts'

export type SettledBatch = {
  /** The batch's Merkle root: the key it is stored under, not part of the record's bytes. */
  root: Hex
  node: Address
  count: number
  /** Walrus blob ID of the batch's copy; empty when the node stored none. */
  blobId: string
  height: number
  /** What the batch moved out of escrow, in the ledger's smallest unit. */
  amount: bigint
  entries: Array<{ receiptId: Hex; receiptHash: Hex }>
}

/** The record's bytes; entries as raw 32-byte ids and hashes, as settlement has them. */
export function encodeSettledBatch(b: Omit<SettledBatch, 'root' | 'entries'> & { entries: ReadonlyArray<{ receiptId: Uint8Array; receiptHash: Uint8Array }> }): Uint8Array {
  const listed = b.entries.map((e) => [e.receiptId, e.receiptHash])
  return encodeRlp([fromHex(b.node, 20), bigintToBytes(BigInt(b.count)), utf8(b.blobId), bigintToBytes(BigInt(b.height)), bigintToBytes(b.amount), listed])
}

/** Decodes a record (an RlpFieldError names the field of anything malformed). */
export function decodeSettledBatch(root: Hex, raw: Uint8Array): SettledBatch {
  const it = readList(RLP.decode(raw), 'batch', 6)
  const entries = readList(it[5], 'entries').map((e, i) => {
    const pair = readList(e, `entries[${i}]`, 2)
    return { receiptId: toHex(readBytes(pair[0], 'id', 32)), receiptHash: toHex(readBytes(pair[1], 'hash', 32)) }
  })
  return { root, node: readAddress(it[0], 'node'), count: readSmallUint(it[1], 'count'), blobId: readString(it[2], 'blobId', 43), height: readSmallUint(it[3], 'height'), amount: readUint(it[4], 'amount'), entries }
}
