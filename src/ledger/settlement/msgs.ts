import { fromHex, utf8 } from '../../core/bytes.ts'
import type { Hex } from '../../core/bytes.ts'
import { type Receipt, decodeReceipt } from '../../protocol/receipt.ts'
import { BatchEntries } from '../../protocol/batchEntries.ts'
import { InvalidBatchError } from '../../protocol/errors.ts'
import { type SignedVoucher, decodeVoucher } from '../../protocol/voucher.ts'
import { withPaymentsErrors } from '../payments/voucherErrors.ts'
import { type RlpItem, asMalformedTx, readBytes, readList, readString } from '../tx/fields.ts'
import { ErrInvalidBatch, ErrInvalidEvidence } from './errors.ts'

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

/** The entries, with the protocol's errors as this module's (same messages). */
function decodeEntries(rawEntries: RlpItem[]): BatchEntries {
  try {
    return BatchEntries.decode(rawEntries)
  } catch (err) {
    throw err instanceof InvalidBatchError ? new ErrInvalidBatch(err.shortMessage) : asMalformedTx(err)
  }
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
    const entries = decodeEntries(rawEntries)
    const voucherBytes = readList(it[1], 'settle_batch.vouchers').map((v, i) => readBytes(v, `vouchers[${i}]`))
    const vouchers = voucherBytes.map((b) => withPaymentsErrors(() => decodeVoucher(b)))
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
