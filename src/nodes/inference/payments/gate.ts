/**
 * The fast-path payment check of an inference node: a voucher is checked against the cached
 * channel, with no ledger transaction and no block in the way. What it checks: the voucher
 * pays for this request (its request hash), this node's channel, signed by the channel's
 * client, cumulative ≥ max(last accepted, settled) + price, cumulative ≤ deposit, channel open.
 * An accepted voucher is recorded in the durable voucher log before the answer is served, so
 * a replay is refused across restarts. A refusal is a 402 in OpenAI's error shape with the
 * payment terms beside it (`protocol/paymentRequired.ts`).
 */
import type { Hex } from '../../../core/bytes.ts'
import type { Address } from '../../../core/keys.ts'
import { ErrorCode } from '../../../protocol/errorCodes.ts'
import { InvalidVoucherError, ProtocolError } from '../../../protocol/errors.ts'
import { type SignedVoucher, checkVoucher, decodeVoucher, verifyVoucher } from '../../../protocol/voucher.ts'
import { MSG_OPEN_CHANNEL } from '../../../ledger/payments/msgs.ts'
import type { CachedChannel, ChannelCache } from './channelCache.ts'
import type { VoucherLog } from './voucherLog.ts'
import { VOUCHER_HEADER } from '../../../protocol/http.ts'
import { PAYMENT_ERROR_TYPE, type PaymentRequiredBody } from '../../../protocol/paymentRequired.ts'

/** How often a voucher above the cached deposit may make the node re-read the channel. */
const TOP_UP_RECHECK_MS = 1_000

export type PaymentGateOptions = {
  chainId: string
  /** The address channels to this node name (the node's registered address). */
  node: Address
  channels: ChannelCache
  log: VoucherLog
}

export type PaymentRequest = {
  /** The voucher header as received; undefined when absent. */
  voucher: string | undefined
  requestHash: Hex
  price: bigint
  /** The model asked for and the path, for the 402 body. */
  model: string
  resource: string
}

export type PaymentResult = { paid: true; voucher: SignedVoucher; persisted: Promise<void> } | { paid: false; status: 402; body: PaymentRequiredBody }

function signedByClient(v: SignedVoucher, client: string): boolean {
  try {
    return verifyVoucher(v) === client
  } catch {
    return false
  }
}

export class PaymentGate {
  constructor(readonly options: PaymentGateOptions) {}

  /** The smallest cumulative this node accepts next on a channel for `price` (always above the last accepted). */
  minCumulative(c: CachedChannel, price: bigint): bigint {
    const last = this.options.log.lastAccepted(c.id)
    return (last > c.spent ? last : c.spent) + (price > 0n ? price : 1n)
  }

  /**
   * The synchronous fast path: checks a decoded voucher against a cached channel and, if it
   * passes, records it (in memory at once; `persisted` resolves when it is on disk). Throws an
   * InvalidVoucherError or VoucherRefusedError when it does not pass.
   */
  acceptCached(v: SignedVoucher, c: CachedChannel, requestHash: Hex, price: bigint): Promise<void> {
    if (v.requestHash !== requestHash) throw new InvalidVoucherError(`voucher pays for request ${v.requestHash}, this request is ${requestHash}`)
    checkVoucher(v, { chainId: this.options.chainId, node: this.options.node, channel: c, minCumulative: this.minCumulative(c, price) })
    // No await between the check and this: a concurrent request sees the new cumulative.
    return this.options.log.accept(v)
  }

  /** Checks a request's voucher; refreshes the channel from the ledger only when the cache cannot answer. */
  async authorize(req: PaymentRequest): Promise<PaymentResult> {
    if (!req.voucher) return this.required(req, ErrorCode.paymentRequired, `this request costs ${req.price}; send a voucher in the ${VOUCHER_HEADER} header`)
    let v: SignedVoucher
    try {
      v = decodeVoucher(req.voucher)
    } catch (err) {
      return this.required(req, (err as InvalidVoucherError).code, (err as InvalidVoucherError).shortMessage)
    }
    const { channels } = this.options
    let c = channels.peek(v.channelId)
    // Above the cached deposit a top-up may have landed; asked at most once a second per channel, so bad vouchers cannot drive ledger queries.
    if (!c || !channels.fresh(c) || (v.cumulative > c.deposit && channels.ageMs(c) >= TOP_UP_RECHECK_MS)) c = (await channels.refresh(v.channelId)) ?? undefined
    // Within that second, a voucher over the deposit signed by the channel's own client is a
    // top-up it just made (nobody else can sign one): ask the ledger now rather than refuse it.
    else if (v.cumulative > c.deposit && signedByClient(v, c.client)) c = (await channels.refresh(v.channelId)) ?? undefined
    if (!c) return this.required(req, ErrorCode.channelNotFound, `no payment channel ${v.channelId} on the ledger`)
    try {
      return { paid: true, voucher: v, persisted: this.acceptCached(v, c, req.requestHash, req.price) }
    } catch (err) {
      if (err instanceof ProtocolError) return this.required(req, err.code, err.shortMessage, c)
      throw err
    }
  }

  private required(req: PaymentRequest, code: string, error: string, c?: CachedChannel): PaymentResult {
    const { chainId, node, log } = this.options
    return {
      paid: false,
      status: 402,
      body: {
        error: { message: error, type: PAYMENT_ERROR_TYPE, code, param: null },
        payment: {
          scheme: 'haca-channel',
          chainId,
          payTo: node,
          price: req.price.toString(),
          model: req.model,
          resource: req.resource,
          header: VOUCHER_HEADER,
          requestHash: req.requestHash,
          voucherFormat: 'RLP([chainId, channelId, cumulative, requestHash, signature]); signature by the channel client over sha256("haca/voucher/v1\\n" ‖ RLP([chainId, channelId, cumulative, requestHash]))',
          channel: c
            ? { id: c.id, client: c.client, deposit: c.deposit.toString(), spent: c.spent.toString(), lastAccepted: log.lastAccepted(c.id).toString(), minCumulative: this.minCumulative(c, req.price).toString(), status: c.view.status }
            : null,
          openChannel: { messageType: MSG_OPEN_CHANNEL, node },
        },
      },
    }
  }
}
