import { toHex } from '../../../core/bytes.ts'
import { readKeyFile } from '../../../core/keyfile.ts'
import { parseUnsignedTx, signUnsignedTx } from '../../../client/ledger/unsignedTx.ts'
import { printResult } from '../../output.ts'
import { readInput } from './readInput.ts'

/** Signs an unsigned transaction's JSON (from --generate-only) with --key. Opens no connection: the key can stay offline. */
export async function txSign(o: { file: string; key: string; chainId?: string; json?: boolean }): Promise<void> {
  const tx = parseUnsignedTx(await readInput(o.file))
  const key = await readKeyFile(o.key)
  const signed = signUnsignedTx(tx, { privateKey: key.privateKey, chainId: o.chainId })
  const hex = toHex(signed.bytes)
  const out = { tx: hex, hash: signed.hash.slice(2).toUpperCase(), chainId: tx.chainId, from: signed.from, nonce: tx.nonce.toString(), fee: tx.fee.toString(), msg: tx.msg }
  printResult(o.json, out, () => hex)
}
