import { RLP } from '@ethereumjs/rlp'
import { fromHex, utf8 } from '../../core/bytes.ts'
import { sha256, sha256Binary } from '../../core/hash.ts'
import { rlpHeaderLength, writeRlpHeader } from '../../core/rlp.ts'
import type { Hex } from '../../core/bytes.ts'
import { type Receipt, decodeReceipt } from '../../protocol/receipt.ts'
import { BatchEntries, type EntrySource, entrySource } from './batchEntries.ts'
import { type SignedVoucher, decodeVoucher } from '../payments/voucher.ts'
import { type RlpItem, readBytes, readList, readString } from '../tx/fields.ts'
import { ErrInvalidBatch, ErrInvalidEvidence } from './errors.ts'
import { LEAF_DOMAIN, NODE_DOMAIN, merkleRoot } from './merkle.ts'

export const MSG_SETTLE_BATCH = 40
export const MSG_SUBMIT_EVIDENCE = 41
export const MAX_BATCH_ENTRIES = 10_000

export type MsgSettleBatch = {
  /** Each settled answer: the node's signed receipt and the channel that paid for it. */
  entries: BatchEntries
  /** The latest voucher of every channel the entries name, one each. */
  vouchers: SignedVoucher[]
  voucherBytes: Uint8Array[]
  /** Walrus blob ID of a copy of the batch (light clients fetch inclusion data there); may be empty. */
  blobId: string
  /** By the node's registered signing key over `batchDigest`. */
  signature: Uint8Array
}

/** What the encoder needs of a batch: each entry's receipt bytes and channel, not its decoded fields. */
export type SettleBatchContent = Omit<MsgSettleBatch, 'entries' | 'vouchers'> & { entries: Array<{ receiptBytes: Uint8Array; channelId: Hex }> }

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
  let scratch = Buffer.allocUnsafe(1024)
  for (let i = 0; i < entries.length; i++) {
    const receiptBytes = entries.receiptBytes(i)
    const channel = entries.channel(i)
    const single = receiptBytes.length === 1 && receiptBytes[0] < 0x80
    const payload = (single ? 1 : rlpHeaderLength(receiptBytes.length) + receiptBytes.length) + 33
    const size = 1 + rlpHeaderLength(payload) + payload
    if (size > scratch.length) scratch = Buffer.allocUnsafe(size * 2)
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
  let level = Buffer.allocUnsafe(32 * n)
  forEachLeafPreimage(sourceOf(entries), (preimage, i) => level.write(sha256Binary(preimage), 32 * i, 32, 'latin1'))
  const pair = Buffer.allocUnsafe(65)
  pair[0] = NODE_DOMAIN[0]
  for (let count = n; count > 1; ) {
    const up = Math.ceil(count / 2)
    const next = Buffer.allocUnsafe(32 * up)
    for (let j = 0; j + 1 < count; j += 2) {
      level.copy(pair, 1, 32 * j, 32 * j + 64)
      next.write(sha256Binary(pair), 16 * j, 32, 'latin1')
    }
    // An odd node at the end moves up unchanged.
    if (count % 2 === 1) level.copy(next, 32 * (up - 1), 32 * (count - 1), 32 * count)
    level = next
    count = up
  }
  return new Uint8Array(level.buffer, level.byteOffset, 32)
}

function sourceOf(entries: EntrySource | ReadonlyArray<{ receiptBytes: Uint8Array; channelId: Hex }>): EntrySource {
  return Array.isArray(entries) ? entrySource(entries) : (entries as EntrySource)
}

const BLOB_ID_RE = /^([A-Za-z0-9_-]{43})?$/

export const settleBatchCodec = {
  type: MSG_SETTLE_BATCH,
  name: 'settle_batch',
  encode(m: SettleBatchContent): RlpItem[] {
    return [m.entries.map((e) => [e.receiptBytes, fromHex(e.channelId, 32)]), m.voucherBytes, utf8(m.blobId), m.signature]
  },
  decode(body: RlpItem[]): MsgSettleBatch {
    const it = readList(body, 'settle_batch', 4)
    const rawEntries = readList(it[0], 'settle_batch.entries')
    if (rawEntries.length === 0) throw new ErrInvalidBatch('a batch settles at least one receipt')
    if (rawEntries.length > MAX_BATCH_ENTRIES) throw new ErrInvalidBatch(`a batch settles at most ${MAX_BATCH_ENTRIES} receipts, this one has ${rawEntries.length}`)
    const entries = BatchEntries.decode(rawEntries)
    const voucherBytes = readList(it[1], 'settle_batch.vouchers').map((v, i) => readBytes(v, `vouchers[${i}]`))
    const vouchers = voucherBytes.map((b) => decodeVoucher(b))
    const channels = new Set(entries.channelIds())
    const covered = new Set<string>()
    for (const v of vouchers) {
      if (!channels.has(v.channelId)) throw new ErrInvalidBatch(`voucher for channel ${v.channelId}, which no receipt in the batch names`)
      if (covered.has(v.channelId)) throw new ErrInvalidBatch(`two vouchers for channel ${v.channelId}`)
      covered.add(v.channelId)
    }
    for (const c of channels) if (!covered.has(c)) throw new ErrInvalidBatch(`no voucher for channel ${c}`)
    const blobId = readString(it[2], 'settle_batch.blobId', 43)
    if (!BLOB_ID_RE.test(blobId)) throw new ErrInvalidBatch('settle_batch.blobId is not a Walrus blob ID')
    return { entries, vouchers, voucherBytes, blobId, signature: readBytes(it[3], 'settle_batch.signature', 65) }
  },
}

/** A client's evidence: a receipt the node signed whose id settled with different contents. */
export type MsgSubmitEvidence = { receipt: Receipt; receiptBytes: Uint8Array }

export const submitEvidenceCodec = {
  type: MSG_SUBMIT_EVIDENCE,
  name: 'submit_evidence',
  encode(m: MsgSubmitEvidence): RlpItem[] {
    return [m.receiptBytes]
  },
  decode(body: RlpItem[]): MsgSubmitEvidence {
    const it = readList(body, 'submit_evidence', 1)
    const receiptBytes = readBytes(it[0], 'submit_evidence.receipt')
    try {
      return { receipt: decodeReceipt(receiptBytes), receiptBytes }
    } catch (err) {
      throw new ErrInvalidEvidence(`submit_evidence.receipt is not a receipt: ${(err as Error).message}`)
    }
  },
}
