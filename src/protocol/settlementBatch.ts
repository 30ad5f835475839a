/**
 * A settlement batch as the node builds it, the ledger checks it and a client proves a receipt
 * in it:
 *
 *   entry  = RLP([receipt wire bytes, channelId(32)])
 *   leaf   = sha256(0x00 ‖ entry), root = the Merkle root of the leaves in order (merkle.ts)
 *   digest = sha256("haca/settlement-batch/v1\n" ‖ RLP([chainId, node(20), root(32), count, [[channelId(32), total], …]]))
 *
 * `digest` is what the node's registered signing key signs for the batch; the totals are the
 * price per channel, sorted by channel id.
 */
import { RLP } from '@ethereumjs/rlp'
import { allocUnsafeBytes, bigintToBytes, concatBytes, fromHex, toHex, utf8 } from '../core/bytes.ts'
import type { Hex } from '../core/bytes.ts'
import { sha256, sha256Into } from '../core/hash.ts'
import type { Address } from '../core/keys.ts'
import { rlpHeaderLength, writeRlpHeader } from '../core/rlp.ts'
import { type BatchEntries, type EntrySource, entrySource } from './batchEntries.ts'
import { LEAF_DOMAIN, NODE_DOMAIN, merkleRoot } from './merkle.ts'

/** Prefixed to the batch's signing bytes before hashing, so the digest is unique to batches. */
export const BATCH_DOMAIN = utf8('haca/settlement-batch/v1\n')

/** The bytes a leaf hashes: the receipt as the node signed it, and its channel. */
export function entryBytes(e: { receiptBytes: Uint8Array; channelId: Hex }): Uint8Array {
  return RLP.encode([e.receiptBytes, fromHex(e.channelId, 32)])
}

/**
 * The preimages of the leaves, `LEAF_DOMAIN ‖ entryBytes(e)`, each assembled in one reused
 * buffer and handed to `leaf(preimage, i)` (valid only during the call): a batch has thousands
 * of entries, and building each entry's encoding as arrays was most of the cost of its root.
 */
function forEachLeafPreimage(entries: EntrySource, leaf: (preimage: Uint8Array, i: number) => void): void {
  let scratch = allocUnsafeBytes(1024)
  for (let i = 0; i < entries.length; i++) {
    const receiptBytes = entries.receiptBytes(i)
    const channel = entries.channel(i)
    const single = receiptBytes.length === 1 && receiptBytes[0] < 0x80
    const payload = (single ? 1 : rlpHeaderLength(receiptBytes.length) + receiptBytes.length) + 33
    const size = 1 + rlpHeaderLength(payload) + payload
    if (size > scratch.length) scratch = allocUnsafeBytes(size * 2)
    scratch[0] = LEAF_DOMAIN[0]
    let at = writeRlpHeader(scratch, 1, 0xc0, payload)
    if (!single) at = writeRlpHeader(scratch, at, 0x80, receiptBytes.length)
    scratch.set(receiptBytes, at)
    at += receiptBytes.length
    scratch[at++] = 0xa0
    scratch.set(channel, at)
    leaf(scratch.subarray(0, size), i)
  }
}

/** The leaves, each `merkleLeaf(entryBytes(e))` (for inclusion proofs; the root has its own path, `entryRoot`). */
export function entryLeaves(entries: EntrySource | ReadonlyArray<{ receiptBytes: Uint8Array; channelId: Hex }>): Uint8Array[] {
  const leaves: Uint8Array[] = new Array(entries.length)
  forEachLeafPreimage(sourceOf(entries), (preimage, i) => (leaves[i] = sha256(preimage)))
  return leaves
}

/**
 * The batch's Merkle root, the same as `merkleRoot(entryLeaves(entries))` (merkle.ts), computed
 * level by level in flat buffers: digests go straight into the level below, with no array per
 * hash. Every validator and the node compute this for thousands of entries per batch.
 */
export function entryRoot(entries: EntrySource | ReadonlyArray<{ receiptBytes: Uint8Array; channelId: Hex }>): Uint8Array {
  const n = entries.length
  if (n === 0) return merkleRoot([])
  let level = allocUnsafeBytes(32 * n)
  forEachLeafPreimage(sourceOf(entries), (preimage, i) => sha256Into(preimage, level, 32 * i))
  const pair = allocUnsafeBytes(65)
  pair[0] = NODE_DOMAIN[0]
  for (let count = n; count > 1; ) {
    const up = Math.ceil(count / 2)
    const next = allocUnsafeBytes(32 * up)
    for (let j = 0; j + 1 < count; j += 2) {
      pair.set(level.subarray(32 * j, 32 * j + 64), 1)
      sha256Into(pair, next, 16 * j)
    }
    // An odd node at the end moves up unchanged.
    if (count % 2 === 1) next.set(level.subarray(32 * (count - 1), 32 * count), 32 * (up - 1))
    level = next
    count = up
  }
  return new Uint8Array(level.buffer, level.byteOffset, 32)
}

function sourceOf(entries: EntrySource | ReadonlyArray<{ receiptBytes: Uint8Array; channelId: Hex }>): EntrySource {
  return Array.isArray(entries) ? entrySource(entries) : (entries as EntrySource)
}

export type ChannelTotal = { channelId: Hex; total: bigint }

/** The total price per channel, sorted by channel id: from decoded entries, or from objects (a node building a batch). */
export function channelTotals(entries: BatchEntries | ReadonlyArray<{ receipt: { price: bigint }; channelId: Hex }>): ChannelTotal[] {
  const totals = new Map<Hex, bigint>()
  const add = (channelId: Hex, price: bigint) => totals.set(channelId, (totals.get(channelId) ?? 0n) + price)
  if (Array.isArray(entries)) for (const e of entries) add(e.channelId, e.receipt.price)
  else for (let i = 0, b = entries as BatchEntries; i < b.length; i++) add(b.channelId(i), b.price(i))
  return [...totals.keys()].sort().map((channelId) => ({ channelId, total: totals.get(channelId)! }))
}

export function batchRoot(entries: EntrySource | ReadonlyArray<{ receiptBytes: Uint8Array; channelId: Hex }>): Hex {
  return toHex(entryRoot(entries))
}

export type BatchSummary = { chainId: string; node: Address; root: Hex; count: number; totals: ChannelTotal[] }

/** What is hashed (after BATCH_DOMAIN) for a batch's signature: RLP([chainId, node, root, count, [[channelId, total], …]]). */
export function encodeBatchSummary(p: BatchSummary): Uint8Array {
  const totals = p.totals.map((t) => [fromHex(t.channelId, 32), bigintToBytes(t.total)])
  return RLP.encode([utf8(p.chainId), fromHex(p.node, 20), fromHex(p.root, 32), bigintToBytes(BigInt(p.count)), totals])
}

/** The 32-byte digest the node's signing key signs for a batch: sha256(BATCH_DOMAIN ‖ encodeBatchSummary(p)). */
export function batchDigest(p: BatchSummary): Uint8Array {
  return sha256(concatBytes(BATCH_DOMAIN, encodeBatchSummary(p)))
}
