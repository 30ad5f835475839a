import type { KeyFile } from '../../core/keyfile.ts'
import { type LedgerRpc, type TxResult, TxRejectedError } from './ledgerRpc.ts'

export type SendTxParameters = {
  key: KeyFile
  /** Fee in base units; the chain's minimum when not given. */
  fee?: bigint
  /** Builds the signed transaction for the chain id, the sender's next nonce and the fee. */
  build: (p: { chainId: string; nonce: bigint; fee: bigint }) => Uint8Array
  /** Wait for the block (default) or return once the mempool took it. */
  wait?: boolean
}

/** Signs with the sender's next nonce, broadcasts, and (by default) waits for the committed result. */
export async function sendTx(rpc: LedgerRpc, p: SendTxParameters): Promise<{ hash: string; result?: TxResult; fee: bigint }> {
  const chainId = await rpc.chainId()
  const fee = p.fee ?? BigInt((await rpc.queryJson<{ minFee: string }>('/params')).minFee)
  const { nonce } = await rpc.queryJson<{ nonce: string }>(`/accounts/account/${p.key.address}`)
  const hash = await rpc.broadcast(p.build({ chainId, nonce: BigInt(nonce), fee }))
  if (p.wait === false) return { hash, fee }
  const result = await rpc.waitForTx(hash)
  if (result.code !== 0) throw new TxRejectedError(result.codespace, result.code, result.log)
  return { hash, result, fee }
}
