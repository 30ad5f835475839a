/**
 * The only reads and writes of channel records, and the funds movements of the module. Rules
 * kept in the lowest setter: 0 ≤ spent ≤ deposit, and a withdrawn channel never changes again.
 * Record reads and writes are functions of the store; what needs other modules (moving funds,
 * reading nonces) is `PaymentsKeeper`, built in modules.ts with the keepers of
 * expectedKeepers.ts. The escrow account (`PAYMENTS_ESCROW_ADDRESS`) is moved only from here.
 */
import { RLP } from '@ethereumjs/rlp'
import { type Hex, bigintToBytes, fromHex, toHex } from '../../core/bytes.ts'
import type { Address } from '../../core/keys.ts'
import type { StateReader, StateStore } from '../state/overlay.ts'
import { readStored } from '../state/corruptState.ts'
import { readAddress, readBytes, readList, readUint } from '../tx/fields.ts'
import { ErrChannelClosed, ErrChannelNotFound, ErrInvalidPaymentMsg, ErrNotChannelNode, ErrVoucherOverspend, ErrVoucherReplay } from './errors.ts'
import type { AccountKeeper, BankKeeper } from './expectedKeepers.ts'
import { PAYMENTS_ESCROW_ADDRESS, channelKey, clientChannelsKey } from './keys.ts'
import { getPaymentsParams, protocolFee } from './params.ts'
import { type SignedVoucher, checkVoucher } from '../../protocol/voucher.ts'
import { withPaymentsErrors } from './voucherErrors.ts'

export type Channel = {
  id: Hex
  client: Address
  node: Address
  /** Everything escrowed so far (opening amount plus top-ups). */
  deposit: bigint
  /** Cumulative amount already settled out of the deposit (to the node and the fee pool). */
  spent: bigint
  /** Nonce of the opening transaction (part of the ID). */
  nonce: bigint
  openedHeight: number
  /** Block time from which `withdraw` is allowed; 0 while open. */
  closesAtMs: bigint
  /** Set once the unspent deposit went back to the client; the record stays for audit. */
  withdrawn: boolean
}

/** `open`, `closing` (challenge period running, or over but not withdrawn), `withdrawn`. */
export type ChannelStatus = 'open' | 'closing' | 'withdrawn'

export function channelStatus(c: Channel): ChannelStatus {
  return c.withdrawn ? 'withdrawn' : c.closesAtMs > 0n ? 'closing' : 'open'
}

export function encodeChannel(c: Channel): Uint8Array {
  return RLP.encode([
    fromHex(c.client, 20),
    fromHex(c.node, 20),
    bigintToBytes(c.deposit),
    bigintToBytes(c.spent),
    bigintToBytes(c.nonce),
    bigintToBytes(BigInt(c.openedHeight)),
    bigintToBytes(c.closesAtMs),
    bigintToBytes(c.withdrawn ? 1n : 0n),
  ])
}

export function decodeChannel(id: Hex, raw: Uint8Array): Channel {
  const it = readList(RLP.decode(raw), 'channel record', 8)
  return {
    id,
    client: readAddress(it[0], 'channel.client'),
    node: readAddress(it[1], 'channel.node'),
    deposit: readUint(it[2], 'channel.deposit'),
    spent: readUint(it[3], 'channel.spent'),
    nonce: readUint(it[4], 'channel.nonce', 8),
    openedHeight: Number(readUint(it[5], 'channel.openedHeight', 6)),
    closesAtMs: readUint(it[6], 'channel.closesAtMs', 8),
    withdrawn: readUint(it[7], 'channel.withdrawn', 1) === 1n,
  }
}

export async function getChannel(store: StateReader, id: Hex): Promise<Channel | undefined> {
  return readStored(store, channelKey(fromHex(id, 32)), (raw) => decodeChannel(id, raw))
}

/** Like `getChannel`, but a missing channel is an error. */
export async function mustGetChannel(store: StateReader, id: Hex): Promise<Channel> {
  const c = await getChannel(store, id)
  if (!c) throw new ErrChannelNotFound(`no payment channel ${id}`)
  return c
}

/** Stores a channel record; refuses records that break the module's invariants. */
export function setChannel(store: StateStore, c: Channel): void {
  if (c.spent < 0n || c.spent > c.deposit) throw new ErrInvalidPaymentMsg(`channel ${c.id}: spent ${c.spent} outside 0..deposit ${c.deposit}`)
  store.set(channelKey(fromHex(c.id, 32)), encodeChannel(c))
}

export async function getClientChannelIds(store: StateReader, client: Address): Promise<Hex[]> {
  const ids = await readStored(store, clientChannelsKey(client), (raw) => readList(RLP.decode(raw), 'client channels').map((x, i) => toHex(readBytes(x, `client channels[${i}]`, 32))))
  return ids ?? []
}

export async function addClientChannelId(store: StateStore, client: Address, id: Hex): Promise<void> {
  const ids = await getClientChannelIds(store, client)
  store.set(clientChannelsKey(client), RLP.encode([...ids, id].map((x) => fromHex(x, 32))))
}

export type SettleVoucherParameters = {
  /** The node settling: must be the channel's node (a voucher for someone else's channel is refused). */
  node: Address
  /** Block time: a channel whose challenge period is over can no longer be settled. */
  timeMs: bigint
  /** Where the node's share goes; default: the node's own address. Settlement passes the registered payout address. */
  payout?: Address
}

export type SettleVoucherReturnType = {
  /** cumulative − previous spent: what the client paid now. */
  amount: bigint
  /** The protocol fee, to the fee pool. */
  fee: bigint
  /** amount − fee, to the payout address. */
  earned: bigint
  payout: Address
  /** The channel after settlement. */
  channel: Channel
}

export type SettleSignedVoucherParameters = SettleVoucherParameters & { chainId: string }

/**
 * The payments keeper: what moves channel funds (escrow in, releases and settlements out), and
 * what other modules (settlement) may ask of payments. Built in modules.ts.
 *
 * @example
 * const payments = new PaymentsKeeper({ accounts: accountsKeeper, bank: accountsKeeper })
 */
export class PaymentsKeeper {
  constructor(private readonly k: { accounts: AccountKeeper; bank: BankKeeper }) {}

  /** The channel `id`, or undefined. */
  channel(store: StateReader, id: Hex): Promise<Channel | undefined> {
    return getChannel(store, id)
  }

  /** The nonce of the transaction being run by `sender` (the ante handler has already counted it). */
  async currentTxNonce(store: StateReader, sender: Address): Promise<bigint> {
    return (await this.k.accounts.nonce(store, sender)) - 1n
  }

  /** Moves `amount` from `from`'s balance into escrow; nothing is written when `from` has less. */
  escrow(store: StateStore, from: Address, amount: bigint, what: string): Promise<void> {
    return this.k.bank.send(store, from, [{ to: PAYMENTS_ESCROW_ADDRESS, amount }], what)
  }

  /** Moves `amount` out of escrow to `to`. */
  release(store: StateStore, to: Address, amount: bigint): Promise<void> {
    return this.k.bank.send(store, PAYMENTS_ESCROW_ADDRESS, [{ to, amount }], 'channel release')
  }

  /**
   * Every check of `settleVoucher`, and what it would move, without writing: the channel is
   * `p.node`'s, not withdrawn, within its challenge period; `cumulative` is above `spent`
   * (else a replay) and within `deposit` (else an over-spend).
   */
  async checkSettlement(store: StateReader, channelId: Hex, cumulative: bigint, p: SettleVoucherParameters): Promise<SettleVoucherReturnType> {
    const c = await mustGetChannel(store, channelId)
    if (c.node !== p.node) throw new ErrNotChannelNode(`channel ${channelId} pays ${c.node}, not ${p.node}`)
    if (c.withdrawn) throw new ErrChannelClosed(`channel ${channelId} was withdrawn; nothing is left to settle`)
    if (c.closesAtMs > 0n && p.timeMs >= c.closesAtMs) throw new ErrChannelClosed(`channel ${channelId}: the challenge period ended at ${c.closesAtMs}; it can no longer be settled`)
    if (cumulative <= c.spent) throw new ErrVoucherReplay(`voucher for ${cumulative} on channel ${channelId} is not above the ${c.spent} already settled (replayed or stale)`)
    if (cumulative > c.deposit) throw new ErrVoucherOverspend(`voucher for ${cumulative} on channel ${channelId} exceeds its deposit of ${c.deposit}`)
    const { feeBps } = await getPaymentsParams(store)
    const amount = cumulative - c.spent
    const fee = protocolFee(amount, feeBps)
    return { amount, fee, earned: amount - fee, payout: p.payout ?? c.node, channel: { ...c, spent: cumulative } }
  }

  /**
   * Settles a channel up to `cumulative`: moves (cumulative − spent) out of escrow, the protocol
   * fee (floor of feeBps) to the fee pool and the rest to the payout address, and records
   * `spent = cumulative`. The voucher's signature is the caller's to check (`verifyVoucher` and
   * `checkVoucher` in protocol/voucher.ts); this enforces the amounts (`checkSettlement`). Every check
   * runs before the first write; nothing is written when it throws.
   *
   * @example
   * const { amount, fee, earned } = await keeper.settleVoucher(ctx.store, voucher.channelId, voucher.cumulative, { node: ctx.sender, timeMs: ctx.timeMs, payout })
   */
  async settleVoucher(store: StateStore, channelId: Hex, cumulative: bigint, p: SettleVoucherParameters): Promise<SettleVoucherReturnType> {
    const settled = await this.checkSettlement(store, channelId, cumulative, p)
    await this.k.bank.send(
      store,
      PAYMENTS_ESCROW_ADDRESS,
      [
        { to: settled.payout, amount: settled.earned },
        { to: this.k.bank.feePool, amount: settled.fee },
      ],
      'channel release',
    )
    setChannel(store, settled.channel)
    return settled
  }

  /**
   * `settleVoucher` for a signed voucher: checks it first (chain, channel, the settling node,
   * the channel client's signature, above `spent`, within the deposit) with `checkVoucher`,
   * then settles to its cumulative. Writes nothing when it throws.
   *
   * @example
   * await keeper.settleSignedVoucher(ctx.store, decodeVoucher(bytes), { chainId, node: ctx.sender, timeMs: ctx.timeMs, payout })
   */
  async settleSignedVoucher(store: StateStore, v: SignedVoucher, p: SettleSignedVoucherParameters): Promise<SettleVoucherReturnType> {
    const c = await mustGetChannel(store, v.channelId)
    withPaymentsErrors(() => checkVoucher(v, { chainId: p.chainId, node: p.node, channel: { ...c, open: !c.withdrawn }, minCumulative: c.spent + 1n }))
    return this.settleVoucher(store, v.channelId, v.cumulative, p)
  }
}
