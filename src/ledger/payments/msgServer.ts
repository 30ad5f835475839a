/** Handlers: parse (done by the codec), load, authorise, change state through the keeper, emit events. */
import { getAccount } from '../accounts/keeper.ts'
import { event, type TxContext } from '../context.ts'
import { ErrChallengePeriod, ErrChannelClosed, ErrChannelExists, ErrNotChannelClient } from './errors.ts'
import { type Channel, addClientChannelId, escrow, getChannel, mustGetChannel, release, setChannel } from './keeper.ts'
import { channelIdOf } from '../../protocol/channelId.ts'
import type { MsgCloseChannel, MsgOpenChannel, MsgTopUp, MsgWithdraw } from './msgs.ts'
import { getPaymentsParams } from './params.ts'

/** Opens a channel from the sender to `msg.node`; its ID comes from the sender and this transaction's nonce. */
export async function handleOpenChannel(ctx: TxContext, msg: MsgOpenChannel): Promise<void> {
  // The ante handler has already used this transaction's nonce.
  const nonce = (await getAccount(ctx.store, ctx.sender)).nonce - 1n
  const id = channelIdOf(ctx.sender, msg.node, nonce)
  if (await getChannel(ctx.store, id)) throw new ErrChannelExists(`channel ${id} already exists`)
  await escrow(ctx.store, ctx.sender, msg.amount, 'open_channel')
  setChannel(ctx.store, { id, client: ctx.sender, node: msg.node, deposit: msg.amount, spent: 0n, nonce, openedHeight: ctx.height, closesAtMs: 0n, withdrawn: false })
  await addClientChannelId(ctx.store, ctx.sender, id)
  ctx.events.push(event('open_channel', { channel: id, client: ctx.sender, node: msg.node, amount: msg.amount.toString() }, ['channel', 'client', 'node']))
}

async function ownChannel(ctx: TxContext, id: `0x${string}`, what: string): Promise<Channel> {
  const c = await mustGetChannel(ctx.store, id)
  if (c.client !== ctx.sender) throw new ErrNotChannelClient(`channel ${id} belongs to ${c.client}; only its client can ${what} it`)
  return c
}

export async function handleTopUp(ctx: TxContext, msg: MsgTopUp): Promise<void> {
  const c = await ownChannel(ctx, msg.channelId, 'top up')
  if (c.closesAtMs > 0n || c.withdrawn) throw new ErrChannelClosed(`channel ${c.id} is closing; open a new one`)
  await escrow(ctx.store, ctx.sender, msg.amount, 'top_up')
  setChannel(ctx.store, { ...c, deposit: c.deposit + msg.amount })
  ctx.events.push(event('top_up', { channel: c.id, amount: msg.amount.toString(), deposit: (c.deposit + msg.amount).toString() }, ['channel']))
}

export async function handleCloseChannel(ctx: TxContext, msg: MsgCloseChannel): Promise<void> {
  const c = await ownChannel(ctx, msg.channelId, 'close')
  if (c.closesAtMs > 0n || c.withdrawn) throw new ErrChannelClosed(`channel ${c.id} is already closing`)
  const closesAtMs = ctx.timeMs + (await getPaymentsParams(ctx.store)).challengePeriodMs
  setChannel(ctx.store, { ...c, closesAtMs })
  ctx.events.push(event('close_channel', { channel: c.id, node: c.node, closes_at_ms: closesAtMs.toString() }, ['channel', 'node']))
}

export async function handleWithdraw(ctx: TxContext, msg: MsgWithdraw): Promise<void> {
  const c = await ownChannel(ctx, msg.channelId, 'withdraw from')
  if (c.withdrawn) throw new ErrChannelClosed(`channel ${c.id} was already withdrawn`)
  if (c.closesAtMs === 0n) throw new ErrChallengePeriod(`channel ${c.id} is open; close it first`)
  if (ctx.timeMs < c.closesAtMs) throw new ErrChallengePeriod(`channel ${c.id}: the challenge period runs until ${c.closesAtMs} (block time now ${ctx.timeMs})`)
  const refund = c.deposit - c.spent
  setChannel(ctx.store, { ...c, withdrawn: true })
  await release(ctx.store, c.client, refund)
  ctx.events.push(event('withdraw_channel', { channel: c.id, client: c.client, amount: refund.toString() }, ['channel']))
}
