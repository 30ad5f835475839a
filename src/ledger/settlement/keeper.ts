import { RLP } from '@ethereumjs/rlp'
import { encodeRlp } from '../../core/rlp.ts'
import { Slab, bigintToBytes, fromHex, toHex } from '../../core/bytes.ts'
import type { Hex } from '../../core/bytes.ts'
import { type SettledBatch, decodeSettledBatch, encodeSettledBatch } from '../../protocol/settledBatch.ts'
import { type StateReader, type StateStore, getMany } from '../state/overlay.ts'
import { readStored } from '../state/corruptState.ts'
import { readBytes, readList, readSmallUint } from '../tx/fields.ts'
import { batchKey, receiptKey } from './keys.ts'

export type SettledReceipt = { receiptId: Hex; batchRoot: Hex; height: number; index: number; receiptHash: Hex }

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
 * Records a settled batch: its record in the state (protocol/settledBatch.ts: listing every receipt id and hash) and,
 * for each receipt, its index entry (receipt id → batch, height, position, hash).
 */
export function recordSettledBatch(store: StateStore, b: Omit<SettledBatch, 'entries'> & { entries: Array<{ receiptId: Uint8Array; receiptHash: Uint8Array }> }): void {
  const root = fromHex(b.root, 32)
  const height = bigintToBytes(BigInt(b.height))
  const slab = new Slab(Math.min(b.entries.length, 4096) * 96)
  b.entries.forEach((e, index) => {
    store.set(receiptKey(e.receiptId), encodeRlp([root, height, bigintToBytes(BigInt(index)), e.receiptHash], slab))
  })
  store.set(batchKey(b.root), encodeSettledBatch(b))
}

export async function getBatch(store: StateReader, root: Hex): Promise<SettledBatch | undefined> {
  return readStored(store, batchKey(root), (raw) => decodeSettledBatch(root, raw))
}

