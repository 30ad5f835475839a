import { BaseError } from '../../../core/errors.ts'
import { readKeyFile } from '../../../core/keyfile.ts'
import { parseAddress } from '../../../core/keys.ts'
import { LedgerRpc } from '../../../client/ledger/ledgerRpc.ts'
import { sendTx } from '../../../client/ledger/sendTx.ts'
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
  const fee = o.fee === undefined ? undefined : parseAmount('--fee', o.fee)
  const key = await readKeyFile(o.key)
  const rpc = await LedgerRpc.connect(o.node)
  try {
    const sent = await sendTx(rpc, { key, fee, wait: o.wait, build: (p) => buildTransferTx({ ...p, to, amount }, key.privateKey).bytes })
    if (!sent.result) return printResult(o.json, { hash: sent.hash, status: 'pending' }, () => `sent ${sent.hash} (not waiting for a block)`)
    printResult(o.json, { hash: sent.hash, height: sent.result.height, from: key.address, to, amount: amount.toString(), fee: sent.fee.toString() }, () => `transferred ${amount} from ${key.address} to ${to} (fee ${sent.fee})\ntx ${sent.hash} committed at height ${sent.result!.height}`)
  } finally {
    rpc.disconnect()
  }
}
