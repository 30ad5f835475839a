/**
 * Pays for one request: the voucher header for a node, opening a channel to it first (with the
 * configured budget) when the client has none, and topping it up by the budget when it runs
 * out. Requests to free models carry no voucher.
 */
import type { Hex } from '../../core/bytes.ts'
import type { KeyFile } from '../../core/keyfile.ts'
import type { LedgerRpc } from '../ledger/ledgerRpc.ts'
import type { NodeInfo } from '../nodeDirectory.ts'
import { type ChannelPayer, openChannel, topUpChannel } from './channelPayer.ts'
import { VOUCHER_HEADER } from '../../protocol/http.ts'


export type ClientPayments = {
  payer: ChannelPayer
  /** Opens channels when none exists: the client's key, the ledger, and the deposit per channel. */
  autoOpen?: { key: KeyFile; rpc: LedgerRpc; budget: bigint }
}

/** The address channels to this node name: its registry account when known, else its signing address. */
export function payee(node: NodeInfo) {
  return node.registryAddress ?? node.address
}

export async function paymentHeaders(payments: ClientPayments | undefined, node: NodeInfo, price: bigint, requestHash: Hex): Promise<Record<string, string>> {
  if (!payments || price === 0n) return {}
  const to = payee(node)
  const channel = payments.payer.channelFor(to)
  if (payments.autoOpen) {
    const { rpc, key, budget } = payments.autoOpen
    if (!channel) await openChannel(rpc, { key, node: to, amount: budget, payer: payments.payer })
    // Spent down: add another budget's worth before this request would overdraw it.
    else if (channel.cumulative + price > channel.deposit) await topUpChannel(rpc, { key, channelId: channel.id, amount: budget > price ? budget : price, payer: payments.payer, node: to })
  }
  return { [VOUCHER_HEADER]: await payments.payer.pay(to, requestHash, price) }
}
