import { RLP } from '@ethereumjs/rlp'
import { encodeRlp } from '../../core/rlp.ts'
import { Slab, bigintToBytes, fromHex, toHex, utf8 } from '../../core/bytes.ts'
import type { Hex } from '../../core/bytes.ts'
import type { Address } from '../../core/keys.ts'
import { type StateReader, type StateStore, getMany } from '../state/overlay.ts'
import { readStored } from '../state/corruptState.ts'
import { readAddress, readBytes, readList, readSmallUint, readString, readUint } from '../tx/fields.ts'
import { batchKey, receiptKey } from './keys.ts'

export type SettledReceipt = { receiptId: Hex; batchRoot: Hex; height: number; index: number; receiptHash: Hex }
export type SettledBatch = { root: Hex; node: Address; count: number; blobId: string; height: number; amount: bigint; entries: Array<{ receiptId: Hex; receiptHash: Hex }> }

export async function getSettledReceipt(store: StateReader, receiptId: Hex): Promise<SettledReceipt | undefined> {
  return readStored(store, receiptKey(receiptId), (raw) => decodeSettledReceipt(receiptId, raw))
}

/** Which of many receipt ids (32 bytes each) have settled, in order: one database trip for a whole batch. */
export async function areSettled(store: StateReader, receiptIds: Uint8Array[]): Promise<boolean[]> {
  const raws = await getMany(store, receiptIds.map((id) => receiptKey(id)))
  return raws.map((raw) => raw !== undefined)
}

function decodeSettledReceipt(receiptId: Hex, raw: Uint8Array): SettledReceipt {
  const it = readList(RLP.decode(raw), 'settled receipt', 4)
  return { receiptId, batchRoot: toHex(readBytes(it[0], 'root', 32)), height: readSmallUint(it[1], 'height'), index: readSmallUint(it[2], 'index'), receiptHash: toHex(readBytes(it[3], 'hash', 32)) }
}

/**
 * Records a settled batch: its record in the state (listing every receipt id and hash) and,
 * for each receipt, its index entry (receipt id → batch, height, position, hash).
 */
export function recordSettledBatch(store: StateStore, b: Omit<SettledBatch, 'entries'> & { entries: Array<{ receiptId: Uint8Array; receiptHash: Uint8Array }> }): void {
  const root = fromHex(b.root, 32)
  const height = bigintToBytes(BigInt(b.height))
  const listed: Uint8Array[][] = []
  const slab = new Slab(Math.min(b.entries.length, 4096) * 96)
  b.entries.forEach((e, index) => {
    store.set(receiptKey(e.receiptId), encodeRlp([root, height, bigintToBytes(BigInt(index)), e.receiptHash], slab))
    listed.push([e.receiptId, e.receiptHash])
  })
  store.set(batchKey(b.root), encodeRlp([fromHex(b.node, 20), bigintToBytes(BigInt(b.count)), utf8(b.blobId), height, bigintToBytes(b.amount), listed]))
}

export async function getBatch(store: StateReader, root: Hex): Promise<SettledBatch | undefined> {
  return readStored(store, batchKey(root), (raw) => decodeBatch(root, raw))
}

export function decodeBatch(root: Hex, raw: Uint8Array): SettledBatch {
  const it = readList(RLP.decode(raw), 'batch', 6)
  const entries = readList(it[5], 'entries').map((e, i) => {
    const pair = readList(e, `entries[${i}]`, 2)
    return { receiptId: toHex(readBytes(pair[0], 'id', 32)), receiptHash: toHex(readBytes(pair[1], 'hash', 32)) }
  })
  return { root, node: readAddress(it[0], 'node'), count: readSmallUint(it[1], 'count'), blobId: readString(it[2], 'blobId', 43), height: readSmallUint(it[3], 'height'), amount: readUint(it[4], 'amount'), entries }
}

