import type { Hex } from '../../core/bytes.ts'
import type { Address } from '../../core/keys.ts'
import { signDigest } from '../../core/keys.ts'
import { encodeReceipt, type Receipt } from '../../protocol/receipt.ts'
import { encodeVoucher, type SignedVoucher } from '../../protocol/voucher.ts'
import { signTx } from '../tx/envelope.ts'
import { batchDigest, batchRoot, channelTotals } from '../../protocol/settlementBatch.ts'
import { type SettleBatchContent, settleBatchCodec, submitEvidenceCodec } from './msgs.ts'

export type BuildSettleBatchParameters = {
  chainId: string
  /** The registered node's (operator's) address: the transaction's sender. */
  node: Address
  /** With `receiptBytes` (the receipt's wire form) where the caller has it, saving an encode. */
  entries: Array<{ receipt: Receipt; channelId: Hex; receiptBytes?: Uint8Array }>
  vouchers: SignedVoucher[]
  blobId?: string
  /** The node's registered signing key. */
  signingKey: Uint8Array
}

export type BuiltSettleBatch = SettleBatchContent & {
  entries: Array<{ receipt: Receipt; receiptBytes: Uint8Array; channelId: Hex }>
  vouchers: SignedVoucher[]
  root: Hex
}

/** The settle_batch message, signed over its root, count and channel totals. */
export function buildSettleBatch(p: BuildSettleBatchParameters): BuiltSettleBatch {
  const entries = p.entries.map((e) => ({ receipt: e.receipt, channelId: e.channelId, receiptBytes: e.receiptBytes ?? encodeReceipt(e.receipt) }))
  const root = batchRoot(entries)
  const signature = signDigest(batchDigest({ chainId: p.chainId, node: p.node, root, count: entries.length, totals: channelTotals(entries) }), p.signingKey)
  return { entries, vouchers: p.vouchers, voucherBytes: p.vouchers.map((v) => encodeVoucher(v)), blobId: p.blobId ?? '', signature, root }
}

export function buildSettleBatchTx(p: { chainId: string; nonce: bigint; fee: bigint; msg: SettleBatchContent }, privateKey: Uint8Array) {
  return signTx({ chainId: p.chainId, nonce: p.nonce, fee: p.fee, type: settleBatchCodec.type, body: settleBatchCodec.encode(p.msg) }, privateKey)
}

export function buildEvidenceTx(p: { chainId: string; nonce: bigint; fee: bigint; receipt: Receipt }, privateKey: Uint8Array) {
  return signTx({ chainId: p.chainId, nonce: p.nonce, fee: p.fee, type: submitEvidenceCodec.type, body: submitEvidenceCodec.encode({ receipt: p.receipt, receiptBytes: encodeReceipt(p.receipt) }) }, privateKey)
}
