/**
 * The one call a full node makes for a registration or re-attestation: verify the evidence
 * (a Nitro/simulated document, or a DCAP quote with the collateral the node submitted) at
 * block time, then check it against the node type's policy. Pure: no I/O, no wall clock.
 */
import { type CheckAttestationPolicyParameters, type VerifiedAttestation, checkAttestationPolicy } from './checkAttestationPolicy.ts'
import { MalformedDocumentError } from './errors.ts'
import { type DcapCollateral, verifyDcapQuote } from './verifyDcapQuote.ts'
import { verifyNitroDocument } from './verifyNitroDocument.ts'

/** What a node submits: a Nitro-format document, or a DCAP quote with its collateral. */
export type AttestationEvidence =
  | { kind: 'nitro'; document: Uint8Array }
  | { kind: 'dcap'; quote: Uint8Array; collateral: DcapCollateral }

export type VerifyAttestationParameters = CheckAttestationPolicyParameters & {
  /** Root fingerprints trusted for Nitro-format documents (AWS's; a dev root if genesis names one). */
  trustedRootFingerprints: readonly string[]
}

export type VerifyAttestationReturnType = VerifiedAttestation

/**
 * Verifies evidence and policy; returns what the attestation says or throws an
 * `AttestationError` whose `code` names the failed check.
 *
 * @example
 * try {
 *   const att = verifyAttestation({ kind: 'nitro', document }, {
 *     now: blockTimeMs,
 *     trustedRootFingerprints: genesis.attestationRoots,
 *     policy: state.policyFor('inference'),
 *     signingKey: msg.signingKey,
 *     hpkePublicKey: msg.hpkePublicKey,
 *     expectedNonce: recentBlockHash,
 *   })
 * } catch (e) {
 *   if (e instanceof AttestationError) return { code: ATTESTATION_ERROR_CODES.indexOf(e.code) + 1, log: e.shortMessage }
 *   throw e
 * }
 */
export function verifyAttestation(evidence: AttestationEvidence, params: VerifyAttestationParameters): VerifyAttestationReturnType {
  let attestation: VerifiedAttestation
  switch (evidence?.kind) {
    case 'nitro':
      attestation = verifyNitroDocument(evidence.document, { now: params.now, trustedRootFingerprints: params.trustedRootFingerprints })
      break
    case 'dcap':
      attestation = verifyDcapQuote(evidence.quote, evidence.collateral, { now: params.now })
      break
    default:
      throw new MalformedDocumentError({ reason: `unknown evidence kind ${String((evidence as { kind?: unknown })?.kind)}` })
  }
  checkAttestationPolicy(attestation, params)
  return attestation
}
