import type { Hex } from '../../../core/bytes.ts'
import { BaseError } from '../../../core/errors.ts'
import { readKeyFile } from '../../../core/keyfile.ts'
import { parseAddress } from '../../../core/keys.ts'
import { LedgerRpc } from '../../../client/ledger/ledgerRpc.ts'
import { sendTx } from '../../../client/ledger/sendTx.ts'
import { openChannel } from '../../../client/payments/channelPayer.ts'
import { buildCloseChannelTx, buildTopUpTx, buildWithdrawChannelTx } from '../../../ledger/payments/tx.ts'
import { printResult } from '../../output.ts'
import { parseAmount } from './transfer.ts'

type Common = { key: string; node: string; json?: boolean }

function channelId(value: string): Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new BaseError(`--channel "${value}" is not a channel id (0x + 64 hex digits)`, { code: 'invalid_option' })
  return value.toLowerCase() as Hex
}

async function withRpc<T>(url: string, fn: (rpc: LedgerRpc) => Promise<T>): Promise<T> {
  const rpc = await LedgerRpc.connect(url)
  try {
    return await fn(rpc)
  } finally {
    rpc.disconnect()
  }
}

export async function channelOpen(o: Common & { to: string; amount: string }): Promise<void> {
  const node = parseAddress(o.to)
  const amount = parseAmount('--amount', o.amount)
  const key = await readKeyFile(o.key)
  const id = await withRpc(o.node, (rpc) => openChannel(rpc, { key, node, amount }))
  printResult(o.json, { channelId: id, client: key.address, node, deposit: amount.toString() }, () => `channel ${id} open: ${key.address} → ${node}, deposit ${amount}`)
}

export async function channelTopUp(o: Common & { channel: string; amount: string }): Promise<void> {
  const id = channelId(o.channel)
  const amount = parseAmount('--amount', o.amount)
  const key = await readKeyFile(o.key)
  const sent = await withRpc(o.node, (rpc) => sendTx(rpc, { key, build: (p) => buildTopUpTx({ ...p, channelId: id, amount }, key.privateKey).bytes }))
  printResult(o.json, { channelId: id, added: amount.toString(), tx: sent.hash }, () => `channel ${id}: added ${amount} (tx ${sent.hash})`)
}

export async function channelClose(o: Common & { channel: string }): Promise<void> {
  const id = channelId(o.channel)
  const key = await readKeyFile(o.key)
  const sent = await withRpc(o.node, (rpc) => sendTx(rpc, { key, build: (p) => buildCloseChannelTx({ ...p, channelId: id }, key.privateKey).bytes }))
  printResult(o.json, { channelId: id, tx: sent.hash }, () => `channel ${id} is closing; withdraw after the challenge period (tx ${sent.hash})`)
}

export async function channelWithdraw(o: Common & { channel: string }): Promise<void> {
  const id = channelId(o.channel)
  const key = await readKeyFile(o.key)
  const sent = await withRpc(o.node, (rpc) => sendTx(rpc, { key, build: (p) => buildWithdrawChannelTx({ ...p, channelId: id }, key.privateKey).bytes }))
  printResult(o.json, { channelId: id, tx: sent.hash }, () => `channel ${id}: unspent deposit returned (tx ${sent.hash})`)
}
