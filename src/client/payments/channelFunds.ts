/**
 * The money side of the paying fetch: one payment channel per node, opened with `deposit` on
 * the first request and topped up by `deposit` when a request would overdraw it, never
 * escrowing more than `budget` in all; and a voucher signed per request. Funding and signing run
 * one at a time: ledger transactions from one key need consecutive nonces, and two requests
 * seeing no channel must not open two.
 */
import type { Hex } from '../../core/bytes.ts'
import type { KeyFile } from '../../core/keyfile.ts'
import type { Address } from '../../core/keys.ts'
import type { LedgerRpc } from '../ledger/ledgerRpc.ts'
import { ChannelPayer, openChannel, topUpChannel } from './channelPayer.ts'

/** A voucher for one request, and where it leaves the channel. */
export type ChannelPayment = { voucher: string; channelId: Hex; price: bigint; cumulative: bigint }

/** Why no voucher was signed (the budget cannot cover the request). */
export type PaymentRefusal = { refused: true; code: 'budget_exhausted'; message: string }

export type ChannelFundsParameters = {
  key: KeyFile
  ledger: () => Promise<LedgerRpc>
  budget: bigint
  deposit: bigint
  stateFile?: string
}

export class ChannelFunds {
  /** What this instance has put into channels so far (opens and top-ups). */
  escrowed = 0n
  private payer: Promise<ChannelPayer> | undefined
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly p: ChannelFundsParameters) {}

  /** The ledger's chain id (the vouchers'), read once. */
  async chainId(): Promise<string> {
    return (await this.channelPayer()).chainId
  }

  /** Funds the channel to `payee` for `price` if it must (a ledger transaction), then signs the voucher. */
  pay(payee: Address, price: bigint, requestHash: Hex): Promise<ChannelPayment | PaymentRefusal> {
    const run = this.queue.then(() => this.fundAndSign(payee, price, requestHash))
    this.queue = run.catch(() => {})
    return run
  }

  private async fundAndSign(payee: Address, price: bigint, requestHash: Hex): Promise<ChannelPayment | PaymentRefusal> {
    const payer = await this.channelPayer()
    const channel = payer.channelFor(payee)
    const shortfall = channel ? channel.cumulative + price - channel.deposit : price
    if (shortfall > 0n) {
      const { budget, deposit, key } = this.p
      const left = budget - this.escrowed
      const wanted = deposit > shortfall ? deposit : shortfall
      const amount = wanted < left ? wanted : left
      if (amount < shortfall) {
        return {
          refused: true,
          code: 'budget_exhausted',
          message: `paying ${price} to node ${payee} needs ${shortfall} more in its channel, but this fetch has escrowed ${this.escrowed} of its budget of ${budget}: raise the budget or use a new fetch`,
        }
      }
      const rpc = await this.p.ledger()
      if (channel) await topUpChannel(rpc, { key, channelId: channel.id, amount, payer, node: payee })
      else await openChannel(rpc, { key, node: payee, amount, payer })
      this.escrowed += amount
    }
    const voucher = await payer.pay(payee, requestHash, price)
    const after = payer.channelFor(payee)!
    return { voucher, channelId: after.id, price, cumulative: after.cumulative }
  }

  private channelPayer(): Promise<ChannelPayer> {
    this.payer ??= (async () => {
      const chainId = await (await this.p.ledger()).chainId()
      return ChannelPayer.open({ key: this.p.key, chainId, stateFile: this.p.stateFile })
    })()
    // A ledger that did not answer is asked again next time.
    this.payer.catch(() => { this.payer = undefined })
    return this.payer
  }
}
