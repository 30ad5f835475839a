/**
 * The body of a node's HTTP 402: OpenAI's error shape (`error: { message, type, code, param }`),
 * so that stock OpenAI-compatible clients show a code and a type, with what a client needs to
 * pay beside it in `payment`. Nodes write it (the payment gate), the SDK reads it (the paying
 * fetch, `src/client/payments/`).
 */
import type { Hex } from '../core/bytes.ts'
import type { Address } from '../core/keys.ts'

/** `error.type` of every 402 a node (or the SDK's paying fetch, refusing to pay) answers. */
export const PAYMENT_ERROR_TYPE = 'payment_required'

/** What a request costs and how to pay it: a voucher on a payment channel to `payTo`. */
export type PaymentTerms = {
  scheme: 'haca-channel'
  /** The ledger's chain id: the voucher's and the channel's. */
  chainId: string
  /** The address the channel must name (the node's registered account). */
  payTo: Address
  /** This request's price in base units, as a decimal string. */
  price: string
  model: string
  /** The route asked, e.g. `/v1/chat/completions`. */
  resource: string
  /** The request header that carries the voucher. */
  header: string
  /** The hash the voucher must pay for: sha256 of the request body's canonical JSON. */
  requestHash: Hex
  voucherFormat: string
  /** The channel as this node knows it, when the request named one (amounts as decimal strings). */
  channel: { id: Hex; client: Address; deposit: string; spent: string; lastAccepted: string; minCumulative: string; status: string } | null
  /** The ledger message that opens a channel to this node. */
  openChannel: { messageType: number; node: Address }
}

export type PaymentRequiredBody = {
  error: { message: string; type: typeof PAYMENT_ERROR_TYPE; code: string; param: null }
  payment: PaymentTerms
}
