import { signTx } from '../tx/envelope.ts'
import { type MsgRegisterModel, registerModelCodec } from './msgs.ts'

export type RegisterModelTxParameters = { chainId: string; nonce: bigint; fee: bigint; model: MsgRegisterModel }

export function buildRegisterModelTx(p: RegisterModelTxParameters, privateKey: Uint8Array): { bytes: Uint8Array; hash: Uint8Array } {
  return signTx({ chainId: p.chainId, nonce: p.nonce, fee: p.fee, type: registerModelCodec.type, body: registerModelCodec.encode(p.model) }, privateKey)
}
