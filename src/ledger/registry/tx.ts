/**
 * Builders for registry transactions: each signs with the sender's key and returns the bytes
 * to broadcast and the tx hash. The sender's account is the node's identity in the registry.
 *
 * @example
 * const keyProof = signKeyProof(addressOf(operatorKey), nodeSigningPrivateKey)
 * const { bytes } = buildRegisterTx({ chainId, nonce, fee: 10n, msg: { nodeType: 'inference', evidence: { kind: 'nitro', document }, signingKey, endpoint, payout, capabilities, stake: 1000n, nonceHeight: 0, keyProof } }, operatorKey)
 * await rpc.broadcast(bytes)
 */
import type { Address } from '../../core/keys.ts'
import { signDigest } from '../../core/keys.ts'
import { signTx } from '../tx/envelope.ts'
import {
  type MsgReattest,
  type MsgRegister,
  type MsgSetMeasurements,
  deregisterCodec,
  keyProofDigest,
  reattestCodec,
  registerCodec,
  setMeasurementsCodec,
  withdrawCodec,
} from './msgs.ts'

type Envelope = { chainId: string; nonce: bigint; fee: bigint }
type Built = { bytes: Uint8Array; hash: Uint8Array }

export type RegisterTxParameters = Envelope & { msg: MsgRegister }
export type ReattestTxParameters = Envelope & { msg: MsgReattest }
export type SetMeasurementsTxParameters = Envelope & { msg: MsgSetMeasurements }

/** The node's signing key agrees to be registered by `operator` (the account that sends `register`). */
export function signKeyProof(operator: Address, nodeSigningPrivateKey: Uint8Array): Uint8Array {
  return signDigest(keyProofDigest(operator), nodeSigningPrivateKey)
}

export function buildRegisterTx(p: RegisterTxParameters, privateKey: Uint8Array): Built {
  return signTx({ chainId: p.chainId, nonce: p.nonce, fee: p.fee, type: registerCodec.type, body: registerCodec.encode(p.msg) }, privateKey)
}

export function buildReattestTx(p: ReattestTxParameters, privateKey: Uint8Array): Built {
  return signTx({ chainId: p.chainId, nonce: p.nonce, fee: p.fee, type: reattestCodec.type, body: reattestCodec.encode(p.msg) }, privateKey)
}

/** Starts unbonding: the node is inactive at once; `withdraw` returns the stake after the unbonding period. */
export function buildDeregisterTx(p: Envelope, privateKey: Uint8Array): Built {
  return signTx({ chainId: p.chainId, nonce: p.nonce, fee: p.fee, type: deregisterCodec.type, body: [] }, privateKey)
}

export function buildWithdrawTx(p: Envelope, privateKey: Uint8Array): Built {
  return signTx({ chainId: p.chainId, nonce: p.nonce, fee: p.fee, type: withdrawCodec.type, body: [] }, privateKey)
}

/** Governance only: replaces the allowed measurements of one node type. */
export function buildSetMeasurementsTx(p: SetMeasurementsTxParameters, privateKey: Uint8Array): Built {
  return signTx({ chainId: p.chainId, nonce: p.nonce, fee: p.fee, type: setMeasurementsCodec.type, body: setMeasurementsCodec.encode(p.msg) }, privateKey)
}
