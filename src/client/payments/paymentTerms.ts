/**
 * Reading a node's 402 (`protocol/paymentRequired.ts`), and writing the 402 the paying fetch
 * answers itself when it will not pay: the same OpenAI error shape, so that a stock client shows
 * why (`error.code`) and does not retry, with the node's terms kept in `payment`.
 */
import type { Address } from '../../core/keys.ts'
import type { Hex } from '../../core/bytes.ts'
import { PAYMENT_ERROR_TYPE, type PaymentRequiredBody, type PaymentTerms } from '../../protocol/paymentRequired.ts'

/** The terms of a 402, checked for the fields a voucher needs; undefined when the body is not a haca 402. */
export function readPaymentTerms(body: unknown): { terms: PaymentTerms; price: bigint } | undefined {
  const payment = (body as Partial<PaymentRequiredBody> | null)?.payment
  if (!payment || payment.scheme !== 'haca-channel') return undefined
  const { chainId, payTo, price, requestHash } = payment
  if (typeof chainId !== 'string' || typeof price !== 'string' || !/^[0-9]{1,78}$/.test(price)) return undefined
  if (!isHex(payTo, 20) || !isHex(requestHash, 32)) return undefined
  return { terms: payment as PaymentTerms, price: BigInt(price) }
}

function isHex(value: unknown, bytes: number): value is Hex | Address {
  return typeof value === 'string' && value.length === 2 + 2 * bytes && /^0x[0-9a-fA-F]+$/.test(value)
}

/** Why the paying fetch did not pay a node's 402. */
export type RefusalCode = 'budget_exhausted' | 'price_above_limit' | 'pay_to_mismatch' | 'chain_mismatch' | 'request_hash_mismatch'

/** The 402 the paying fetch hands to its caller instead of paying: OpenAI's error shape, `x-should-retry: false`. */
export function refusalResponse(code: RefusalCode, message: string, terms: PaymentTerms): Response {
  const body: PaymentRequiredBody = { error: { message, type: PAYMENT_ERROR_TYPE, code, param: null }, payment: terms }
  return new Response(JSON.stringify(body), { status: 402, statusText: 'Payment Required', headers: { 'content-type': 'application/json; charset=utf-8', 'x-should-retry': 'false' } })
}
