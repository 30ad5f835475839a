import { parseAddress } from '../../../core/keys.ts'
import { transferCodec } from '../../../ledger/accounts/msgs.ts'
import { printResult } from '../../output.ts'
import { parseAmount } from './amount.ts'
import { type TxFlags, sendOrGenerate } from './send.ts'

export async function txTransfer(o: TxFlags & { to: string; amount: string }): Promise<void> {
  const to = parseAddress(o.to)
  const amount = parseAmount('--amount', o.amount)
  const sent = await sendOrGenerate(o, { type: transferCodec.type, body: transferCodec.encode({ to, amount }) })
  if (!sent) return
  if (!sent.result) return printResult(o.json, { hash: sent.hash, status: 'pending' }, () => `sent ${sent.hash} (not waiting for a block)`)
  printResult(o.json, { hash: sent.hash, height: sent.result.height, from: sent.from, to, amount: amount.toString(), fee: sent.fee.toString() }, () => `transferred ${amount} from ${sent.from} to ${to} (fee ${sent.fee})\ntx ${sent.hash} committed at height ${sent.result!.height}`)
}
