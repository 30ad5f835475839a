import type { Address } from '../../core/keys.ts'
import { signTx } from '../tx/envelope.ts'
import { transferCodec } from './msgs.ts'

export type TransferTxParameters = { chainId: string; nonce: bigint; fee: bigint; to: Address; amount: bigint }

/** Builds and signs a transfer; returns the bytes to broadcast and the tx hash. */
export function buildTransferTx(p: TransferTxParameters, privateKey: Uint8Array): { bytes: Uint8Array; hash: Uint8Array } {
  return signTx({ chainId: p.chainId, nonce: p.nonce, fee: p.fee, type: transferCodec.type, body: transferCodec.encode({ to: p.to, amount: p.amount }) }, privateKey)
}
