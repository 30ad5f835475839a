import type { Hex } from '../../../core/bytes.ts'
import { BaseError } from '../../../core/errors.ts'
import { parseAddress } from '../../../core/keys.ts'
import { channelIdOf } from '../../../protocol/channelId.ts'
import { closeChannelCodec, openChannelCodec, topUpCodec, withdrawCodec } from '../../../ledger/payments/msgs.ts'
import { printResult } from '../../output.ts'
import { parseAmount } from './amount.ts'
import { type SentTx, type TxFlags, sendOrGenerate } from './send.ts'

function channelId(value: string): Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new BaseError(`--channel "${value}" is not a channel id (0x + 64 hex digits)`, { code: 'invalid_option' })
  return value.toLowerCase() as Hex
}

/** What a channel command prints once sent: pending with --no-wait, else committed. */
function printSent(o: TxFlags, sent: SentTx, fields: Record<string, string>, human: string): void {
  if (!sent.result) return printResult(o.json, { ...fields, tx: sent.hash, status: 'pending' }, () => `sent ${sent.hash} (not waiting for a block)`)
  printResult(o.json, { ...fields, tx: sent.hash, height: sent.result.height }, () => `${human} (tx ${sent.hash})`)
}

export async function channelOpen(o: TxFlags & { to: string; amount: string }): Promise<void> {
  const node = parseAddress(o.to)
  const amount = parseAmount('--amount', o.amount)
  const sent = await sendOrGenerate(o, { type: openChannelCodec.type, body: openChannelCodec.encode({ node, amount }) })
  if (!sent) return
  // The ledger names the channel after its client, its node and the opening transaction's nonce.
  const id = channelIdOf(sent.from, node, sent.nonce)
  printSent(o, sent, { channelId: id, client: sent.from, node, deposit: amount.toString() }, `channel ${id} open: ${sent.from} → ${node}, deposit ${amount}`)
}

export async function channelTopUp(o: TxFlags & { channel: string; amount: string }): Promise<void> {
  const id = channelId(o.channel)
  const amount = parseAmount('--amount', o.amount)
  const sent = await sendOrGenerate(o, { type: topUpCodec.type, body: topUpCodec.encode({ channelId: id, amount }) })
  if (sent) printSent(o, sent, { channelId: id, added: amount.toString() }, `channel ${id}: added ${amount}`)
}

export async function channelClose(o: TxFlags & { channel: string }): Promise<void> {
  const id = channelId(o.channel)
  const sent = await sendOrGenerate(o, { type: closeChannelCodec.type, body: closeChannelCodec.encode({ channelId: id }) })
  if (sent) printSent(o, sent, { channelId: id }, `channel ${id} is closing; withdraw after the challenge period`)
}

export async function channelWithdraw(o: TxFlags & { channel: string }): Promise<void> {
  const id = channelId(o.channel)
  const sent = await sendOrGenerate(o, { type: withdrawCodec.type, body: withdrawCodec.encode({ channelId: id }) })
  if (sent) printSent(o, sent, { channelId: id }, `channel ${id}: unspent deposit returned`)
}
