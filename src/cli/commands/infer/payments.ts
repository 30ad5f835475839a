/** `--key` / `--budget` for `haca infer` and `haca chat`: pay nodes that charge, from payment channels. */
import { join } from 'node:path'
import { BaseError } from '../../../core/errors.ts'
import { readKeyFile } from '../../../core/keyfile.ts'
import { LedgerRpc } from '../../../client/ledger/ledgerRpc.ts'
import { ChannelPayer } from '../../../client/payments/channelPayer.ts'
import type { ClientPayments } from '../../../client/payments/paymentHeaders.ts'
import { defaultHome } from '../../defaults.ts'

export type PaymentOptions = { key?: string; budget?: string; ledger?: string }

/** Payments when a key is given: vouchers signed with it, state under ~/.haca/vouchers, channels opened with --budget. */
export async function paymentsFromOptions(o: PaymentOptions, defaultLedger: string): Promise<{ payments?: ClientPayments; close(): void }> {
  if (!o.key) return { close() {} }
  if (o.budget !== undefined && !/^[0-9]+$/.test(o.budget)) throw new BaseError('--budget must be an integer (base units)', { code: 'invalid_option' })
  const key = await readKeyFile(o.key)
  const rpc = await LedgerRpc.connect(o.ledger ?? defaultLedger)
  const chainId = await rpc.chainId()
  const payer = await ChannelPayer.open({ key, chainId, stateFile: join(defaultHome(), 'vouchers', `${chainId}-${key.address}.json`) })
  return { payments: { payer, autoOpen: { key, rpc, budget: BigInt(o.budget ?? '100000') } }, close: () => rpc.disconnect() }
}
