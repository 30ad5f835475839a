import type { TxContext } from '../context.ts'
import { event } from '../context.ts'
import { addBalance, subtractBalance } from './keeper.ts'
import type { MsgTransfer } from './msgs.ts'

export async function handleTransfer(ctx: TxContext, msg: MsgTransfer): Promise<void> {
  await subtractBalance(ctx.store, ctx.sender, msg.amount)
  await addBalance(ctx.store, msg.to, msg.amount)
  ctx.events.push(event('transfer', { sender: ctx.sender, recipient: msg.to, amount: msg.amount.toString() }, ['recipient']))
}
