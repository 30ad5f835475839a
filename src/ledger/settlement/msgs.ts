import { RLP } from '@ethereumjs/rlp'
import { fromHex, toHex, utf8 } from '../../core/bytes.ts'
import { sha256Parts } from '../../core/hash.ts'
import { encodeRlpHeader } from '../../core/rlp.ts'
import type { Hex } from '../../core/bytes.ts'
import { type Receipt, decodeReceipt } from '../../inference/receipt.ts'
import { type SignedVoucher, decodeVoucher } from '../payments/voucher.ts'
import { type RlpItem, readBytes, readList, readString } from '../tx/fields.ts'
import { ErrInvalidBatch, ErrInvalidEvidence } from './errors.ts'
import { LEAF_DOMAIN } from './merkle.ts'

export const MSG_SETTLE_BATCH = 40
export const MSG_SUBMIT_EVIDENCE = 41
export const MAX_BATCH_ENTRIES = 10_000

/** One settled answer: the node's signed receipt and the channel that paid for it. */
export type BatchEntry = { receipt: Receipt; receiptBytes: Uint8Array; channelId: Hex }

export type MsgSettleBatch = {
  entries: BatchEntry[]
  /** The latest voucher of every channel the entries name, one each. */
  vouchers: SignedVoucher[]
  voucherBytes: Uint8Array[]
  /** Walrus blob ID of a copy of the batch (light clients fetch inclusion data there); may be empty. */
  blobId: string
  /** By the node's registered signing key over `batchDigest`. */
  signature: Uint8Array
}

/** The bytes a leaf hashes: the receipt as the node signed it, and its channel. */
export function entryBytes(e: { receiptBytes: Uint8Array; channelId: Hex }): Uint8Array {
  return RLP.encode([e.receiptBytes, fromHex(e.channelId, 32)])
}

const CHANNEL_HEADER = encodeRlpHeader(0x80, 32)
const NO_BYTES = new Uint8Array(0)

/**
 * The leaves, each `merkleLeaf(entryBytes(e))`, hashed piece by piece: a batch has thousands of
 * entries and building each entry's encoding first was most of the cost of its root.
 */
export function entryLeaves(entries: Array<{ receiptBytes: Uint8Array; channelId: Hex }>): Uint8Array[] {
  const channels = new Map<Hex, Uint8Array>()
  return entries.map(({ receiptBytes, channelId }) => {
    let channel = channels.get(channelId)
    if (!channel) channels.set(channelId, (channel = fromHex(channelId, 32)))
    const receiptHeader = receiptBytes.length === 1 && receiptBytes[0] < 0x80 ? NO_BYTES : encodeRlpHeader(0x80, receiptBytes.length)
    const listHeader = encodeRlpHeader(0xc0, receiptHeader.length + receiptBytes.length + CHANNEL_HEADER.length + 32)
    return sha256Parts(LEAF_DOMAIN, listHeader, receiptHeader, receiptBytes, CHANNEL_HEADER, channel)
  })
}

const BLOB_ID_RE = /^([A-Za-z0-9_-]{43})?$/

export const settleBatchCodec = {
  type: MSG_SETTLE_BATCH,
  name: 'settle_batch',
  encode(m: MsgSettleBatch): RlpItem[] {
    return [m.entries.map((e) => [e.receiptBytes, fromHex(e.channelId, 32)]), m.voucherBytes, utf8(m.blobId), m.signature]
  },
  decode(body: RlpItem[]): MsgSettleBatch {
    const it = readList(body, 'settle_batch', 4)
    const rawEntries = readList(it[0], 'settle_batch.entries')
    if (rawEntries.length === 0) throw new ErrInvalidBatch('a batch settles at least one receipt')
    if (rawEntries.length > MAX_BATCH_ENTRIES) throw new ErrInvalidBatch(`a batch settles at most ${MAX_BATCH_ENTRIES} receipts, this one has ${rawEntries.length}`)
    const seen = new Set<string>()
    const entries = rawEntries.map((raw, i): BatchEntry => {
      const pair = readList(raw, `entries[${i}]`, 2)
      const receiptBytes = readBytes(pair[0], `entries[${i}].receipt`)
      let receipt: Receipt
      try {
        receipt = decodeReceipt(receiptBytes)
      } catch (err) {
        throw new ErrInvalidBatch(`entries[${i}].receipt is not a receipt: ${(err as Error).message}`)
      }
      if (seen.has(receipt.id)) throw new ErrInvalidBatch(`receipt ${receipt.id} appears twice in the batch`)
      seen.add(receipt.id)
      return { receipt, receiptBytes, channelId: toHex(readBytes(pair[1], `entries[${i}].channel`, 32)) }
    })
    const voucherBytes = readList(it[1], 'settle_batch.vouchers').map((v, i) => readBytes(v, `vouchers[${i}]`))
    const vouchers = voucherBytes.map((b) => decodeVoucher(b))
    const channels = new Set(entries.map((e) => e.channelId))
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
