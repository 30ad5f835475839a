/**
 * Attestation checks as the registry runs them: the block time as "now", the trusted roots
 * and the node type's measurements from state, and the node's keys. A failure becomes
 * ErrAttestationRefused naming the check (`attestation_<code>`).
 */
import { RLP } from '@ethereumjs/rlp'
import { fromHex } from '../../core/bytes.ts'
import { sha256 } from '../../core/hash.ts'
import { AttestationError } from '../../attestation/errors.ts'
import { type AttestationEvidence, verifyAttestation } from '../../attestation/verifyAttestation.ts'
import { ErrAttestationRefused } from './errors.ts'
import type { MeasuredValues, NodeType, TeeKind } from './measurements.ts'
import { encodeEvidence } from './msgs.ts'
import type { RegistryParams } from './params.ts'

export type VerifiedNodeAttestation = { tee: TeeKind; measurement: MeasuredValues; attestedAtMs: bigint; evidenceHash: Uint8Array }

export type VerifyNodeEvidenceParameters = {
  params: RegistryParams
  nodeType: NodeType
  nowMs: bigint
  signingKey: Uint8Array
  hpkePublicKey?: Uint8Array
  expectedNonce?: Uint8Array
}

/** Verifies evidence for a node type; throws ErrAttestationRefused with the failed check. */
export function verifyNodeEvidence(evidence: AttestationEvidence, p: VerifyNodeEvidenceParameters): VerifiedNodeAttestation {
  const allowed = p.params.measurements[p.nodeType]
  let att
  try {
    att = verifyAttestation(evidence, {
      now: Number(p.nowMs),
      trustedRootFingerprints: p.params.trustedRoots,
      policy: { nitro: allowed.nitro, tdx: allowed.tdx, minimumTcbStatus: p.params.minimumTcbStatus, maxAgeMs: Number(p.params.maxAttestationAgeMs) },
      signingKey: p.signingKey,
      hpkePublicKey: p.hpkePublicKey,
      expectedNonce: p.expectedNonce,
    })
  } catch (err) {
    if (err instanceof AttestationError) throw new ErrAttestationRefused(err.code, err.shortMessage)
    throw err
  }
  const evidenceHash = sha256(RLP.encode(encodeEvidence(evidence)))
  switch (att.kind) {
    case 'nitro':
      return { tee: 'nitro', measurement: [0, 1, 2].map((i) => fromHex(att.pcrs.get(i) ?? '0x')), attestedAtMs: BigInt(att.timestamp), evidenceHash }
    case 'tdx':
      // A quote carries no time: it is as fresh as the block whose hash it answers, and counts from now.
      return { tee: 'tdx', measurement: [att.mrTd, ...att.rtmrs].map((h) => fromHex(h)), attestedAtMs: p.nowMs, evidenceHash }
    case 'sgx':
      return { tee: 'sgx', measurement: [fromHex(att.mrEnclave), fromHex(att.mrSigner)], attestedAtMs: p.nowMs, evidenceHash }
  }
}
