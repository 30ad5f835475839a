import { BaseError } from '../../../core/errors.ts'
import { readKeyFile } from '../../../core/keyfile.ts'
import { parseAddress } from '../../../core/keys.ts'
import { LedgerRpc, TxRejectedError } from '../../../consensus/rpc/ledger-rpc.ts'
import { buildTransferTx } from '../../../ledger/accounts/tx.ts'
import { printResult } from '../../output.ts'

export class InvalidAmountError extends BaseError {
  override name = 'InvalidAmountError' as const
  constructor(what: string, value: string) {
    super(`${what} must be a non-negative integer in base units, got "${value}"`, { code: 'invalid_amount' })
  }
}

export function parseAmount(what: string, value: string): bigint {
  if (!/^[0-9]+$/.test(value)) throw new InvalidAmountError(what, value)
  return BigInt(value)
}

export async function txTransfer(o: { to: string; amount: string; fee?: string; key: string; node: string; wait: boolean; json?: boolean }): Promise<void> {
  const to = parseAddress(o.to)
  const amount = parseAmount('--amount', o.amount)
  const key = await readKeyFile(o.key)
  const rpc = await LedgerRpc.connect(o.node)
  try {
    const chainId = await rpc.chainId()
    const params = await rpc.queryJson<{ minFee: string }>('/params')
    const fee = o.fee === undefined ? BigInt(params.minFee) : parseAmount('--fee', o.fee)
    const account = await rpc.queryJson<{ nonce: string }>(`/accounts/account/${key.address}`)
    const { bytes } = buildTransferTx({ chainId, nonce: BigInt(account.nonce), fee, to, amount }, key.privateKey)
    const hash = await rpc.broadcast(bytes)
    if (!o.wait) return printResult(o.json, { hash, status: 'pending' }, () => `sent ${hash} (not waiting for a block)`)
    const result = await rpc.waitForTx(hash)
    if (result.code !== 0) throw new TxRejectedError(result.codespace, result.code, result.log)
    printResult(o.json, { hash, height: result.height, from: key.address, to, amount: amount.toString(), fee: fee.toString() }, () => `transferred ${amount} from ${key.address} to ${to} (fee ${fee})\ntx ${hash} committed at height ${result.height}`)
  } finally {
    rpc.disconnect()
  }
}
