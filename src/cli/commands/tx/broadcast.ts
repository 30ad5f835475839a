import { existsSync } from 'node:fs'
import { BaseError } from '../../../core/errors.ts'
import { fromHex } from '../../../core/bytes.ts'
import { LedgerRpc, TxRejectedError } from '../../../client/ledger/ledgerRpc.ts'
import { decodeTx } from '../../../ledger/tx/envelope.ts'
import { printResult } from '../../output.ts'
import { readInput } from './readInput.ts'

const HEX = /^(0x)?([0-9a-fA-F]{2})+$/

export class SignedTxInputError extends BaseError {
  override name = 'SignedTxInputError' as const
  constructor(reason: string, hint?: string) {
    super(`not a signed transaction: ${reason}`, { code: 'signed_tx_invalid', hint })
  }
}

/** The transaction's bytes from hex, or from a file holding hex or `haca tx sign --json`'s output. */
async function signedBytes(arg: string): Promise<Uint8Array> {
  const text = HEX.test(arg) && !existsSync(arg) ? arg : (await readInput(arg)).trim()
  let hex = text
  if (text.startsWith('{')) {
    let json: { tx?: unknown; 'haca-unsigned-tx'?: unknown }
    try {
      json = JSON.parse(text)
    } catch (err) {
      throw new SignedTxInputError(`the JSON does not parse (${(err as Error).message})`)
    }
    if (json['haca-unsigned-tx'] !== undefined) throw new SignedTxInputError('it is unsigned', 'sign it first: haca tx sign FILE --key KEYFILE')
    if (typeof json.tx !== 'string') throw new SignedTxInputError('the JSON has no "tx" field (as `haca tx sign --json` writes)')
    hex = json.tx
  }
  if (!HEX.test(hex)) throw new SignedTxInputError('expected hex (as `haca tx sign` prints), a file of it, or `haca tx sign --json` output')
  const bytes = fromHex(hex.startsWith('0x') ? hex : `0x${hex}`)
  try {
    // Checked here so a damaged file is named before anything is sent; CheckTx checks the rest.
    decodeTx(bytes)
  } catch (err) {
    throw new SignedTxInputError(err instanceof BaseError ? err.shortMessage : String(err))
  }
  return bytes
}

/** Sends a signed transaction; prints its hash and CheckTx's answer (and with --wait, the block's). */
export async function txBroadcast(o: { tx: string; node: string; wait?: boolean; json?: boolean }): Promise<void> {
  const bytes = await signedBytes(o.tx)
  const rpc = await LedgerRpc.connect(o.node)
  try {
    const check = await rpc.broadcastChecked(bytes)
    const checkTx = { code: check.code, codespace: check.codespace, log: check.log }
    if (!o.wait) return printResult(o.json, { hash: check.hash, checkTx }, () => `tx ${check.hash} accepted by CheckTx (code 0)${check.log ? `: ${check.log}` : ''}; not waiting for a block`)
    const result = await rpc.waitForTx(check.hash)
    if (result.code !== 0) throw new TxRejectedError(result.codespace, result.code, result.log)
    printResult(o.json, { hash: check.hash, checkTx, height: result.height, code: result.code }, () => `tx ${check.hash} accepted by CheckTx and committed at height ${result.height}`)
  } finally {
    rpc.disconnect()
  }
}
