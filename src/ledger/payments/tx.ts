/** Builders of signed payments transactions (bytes to broadcast, and the tx hash). */
import { signTx } from '../tx/envelope.ts'
import { type MsgCloseChannel, type MsgOpenChannel, type MsgTopUp, type MsgWithdraw, closeChannelCodec, openChannelCodec, topUpCodec, withdrawCodec } from './msgs.ts'

/** Envelope fields every payments transaction needs. */
export type PaymentsTxBase = { chainId: string; nonce: bigint; fee: bigint }
type Signed = { bytes: Uint8Array; hash: Uint8Array }

/** The channel's ID is `channelIdOf(sender, msg.node, p.nonce)`. */
export function buildOpenChannelTx(p: PaymentsTxBase & MsgOpenChannel, privateKey: Uint8Array): Signed {
  return signTx({ chainId: p.chainId, nonce: p.nonce, fee: p.fee, type: openChannelCodec.type, body: openChannelCodec.encode(p) }, privateKey)
}

export function buildTopUpTx(p: PaymentsTxBase & MsgTopUp, privateKey: Uint8Array): Signed {
  return signTx({ chainId: p.chainId, nonce: p.nonce, fee: p.fee, type: topUpCodec.type, body: topUpCodec.encode(p) }, privateKey)
}

export function buildCloseChannelTx(p: PaymentsTxBase & MsgCloseChannel, privateKey: Uint8Array): Signed {
  return signTx({ chainId: p.chainId, nonce: p.nonce, fee: p.fee, type: closeChannelCodec.type, body: closeChannelCodec.encode(p) }, privateKey)
}

export function buildWithdrawChannelTx(p: PaymentsTxBase & MsgWithdraw, privateKey: Uint8Array): Signed {
  return signTx({ chainId: p.chainId, nonce: p.nonce, fee: p.fee, type: withdrawCodec.type, body: withdrawCodec.encode(p) }, privateKey)
}
