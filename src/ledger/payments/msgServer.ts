/**
 * Handlers: parse (done by the codec), load, authorise, every check, then change state through
 * the keeper, then emit events. Nothing is written before the last check that can fail.
 */
import { event, type TxContext } from '../context.ts'
import { ErrChallengePeriod, ErrChannelClosed, ErrChannelExists, ErrNotChannelClient } from './errors.ts'
import { type Channel, type PaymentsKeeper, addClientChannelId, getChannel, mustGetChannel, setChannel } from './keeper.ts'
import { channelIdOf } from '../../protocol/channelId.ts'
import type { MsgCloseChannel, MsgOpenChannel, MsgTopUp, MsgWithdraw } from './msgs.ts'
import { getPaymentsParams } from './params.ts'

async function ownChannel(ctx: TxContext, id: `0x${string}`, what: string): Promise<Channel> {
  const c = await mustGetChannel(ctx.store, id)
  if (c.client !== ctx.sender) throw new ErrNotChannelClient(`channel ${id} belongs to ${c.client}; only its client can ${what} it`)
  return c
}

/** The payments handlers over `keeper` (wired in modules.ts). */
export function paymentsMsgServer(keeper: PaymentsKeeper) {
  return {
    /** Opens a channel from the sender to `msg.node`; its ID comes from the sender and this transaction's nonce. */
    async openChannel(ctx: TxContext, msg: MsgOpenChannel): Promise<void> {
      const nonce = await keeper.currentTxNonce(ctx.store, ctx.sender)
      const id = channelIdOf(ctx.sender, msg.node, nonce)
      if (await getChannel(ctx.store, id)) throw new ErrChannelExists(`channel ${id} already exists`)
      // The sender's balance is checked before the escrow writes anything.
      await keeper.escrow(ctx.store, ctx.sender, msg.amount, 'open_channel')
      setChannel(ctx.store, { id, client: ctx.sender, node: msg.node, deposit: msg.amount, spent: 0n, nonce, openedHeight: ctx.height, closesAtMs: 0n, withdrawn: false })
      await addClientChannelId(ctx.store, ctx.sender, id)
      ctx.events.push(event('open_channel', { channel: id, client: ctx.sender, node: msg.node, amount: msg.amount.toString() }, ['channel', 'client', 'node']))
    },

    async topUp(ctx: TxContext, msg: MsgTopUp): Promise<void> {
      const c = await ownChannel(ctx, msg.channelId, 'top up')
      if (c.closesAtMs > 0n || c.withdrawn) throw new ErrChannelClosed(`channel ${c.id} is closing; open a new one`)
      await keeper.escrow(ctx.store, ctx.sender, msg.amount, 'top_up')
      setChannel(ctx.store, { ...c, deposit: c.deposit + msg.amount })
      ctx.events.push(event('top_up', { channel: c.id, amount: msg.amount.toString(), deposit: (c.deposit + msg.amount).toString() }, ['channel']))
    },

    async closeChannel(ctx: TxContext, msg: MsgCloseChannel): Promise<void> {
      const c = await ownChannel(ctx, msg.channelId, 'close')
      if (c.closesAtMs > 0n || c.withdrawn) throw new ErrChannelClosed(`channel ${c.id} is already closing`)
      const closesAtMs = ctx.timeMs + (await getPaymentsParams(ctx.store)).challengePeriodMs
      setChannel(ctx.store, { ...c, closesAtMs })
      ctx.events.push(event('close_channel', { channel: c.id, node: c.node, closes_at_ms: closesAtMs.toString() }, ['channel', 'node']))
    },

    async withdraw(ctx: TxContext, msg: MsgWithdraw): Promise<void> {
      const c = await ownChannel(ctx, msg.channelId, 'withdraw from')
      if (c.withdrawn) throw new ErrChannelClosed(`channel ${c.id} was already withdrawn`)
      if (c.closesAtMs === 0n) throw new ErrChallengePeriod(`channel ${c.id} is open; close it first`)
      if (ctx.timeMs < c.closesAtMs) throw new ErrChallengePeriod(`channel ${c.id}: the challenge period runs until ${c.closesAtMs} (block time now ${ctx.timeMs})`)
      const refund = c.deposit - c.spent
      // The release checks the escrow's balance: before the channel is marked withdrawn.
      await keeper.release(ctx.store, c.client, refund)
      setChannel(ctx.store, { ...c, withdrawn: true })
      ctx.events.push(event('withdraw_channel', { channel: c.id, client: c.client, amount: refund.toString() }, ['channel']))
    },
  }
}
