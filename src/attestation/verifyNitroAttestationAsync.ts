/**
 * What verifyAttestation does for a Nitro-format document, over WebCrypto: verify the document
 * (verifyNitroDocumentAsync), then check it against the policy and the node's keys
 * (checkAttestationPolicy). For a client in a browser that asks a node for a fresh attestation
 * and checks it as the ledger would; DCAP quotes are not verified in browsers yet.
 */
import { type CheckAttestationPolicyParameters, checkAttestationPolicy } from './checkAttestationPolicy.ts'
import { type NitroAttestation } from './nitroDocument.ts'
import { verifyNitroDocumentAsync } from './verifyNitroDocumentAsync.ts'

export type VerifyNitroAttestationAsyncParameters = CheckAttestationPolicyParameters & {
  /** Root fingerprints trusted for Nitro-format documents (AWS's; a dev root if genesis names one). */
  trustedRootFingerprints: readonly string[]
}

export type VerifyNitroAttestationAsyncReturnType = NitroAttestation

/**
 * Verifies a Nitro-format document and its policy; resolves to what the document says or
 * rejects with an `AttestationError` whose `code` names the failed check, as
 * `verifyAttestation({ kind: 'nitro', document }, params)` throws in Node.
 *
 * @example
 * const attestation = await verifyNitroAttestationAsync(document, {
 *   now: Date.now(),
 *   trustedRootFingerprints: params.trustedRoots,
 *   policy: { nitro: params.measurements.inference.nitro, maxAgeMs: 600_000 },
 *   signingKey: registeredSigningKey,
 *   expectedNonce: nonce,
 * })
 */
export async function verifyNitroAttestationAsync(
  document: Uint8Array,
  params: VerifyNitroAttestationAsyncParameters,
): Promise<VerifyNitroAttestationAsyncReturnType> {
  const attestation = await verifyNitroDocumentAsync(document, { now: params.now, trustedRootFingerprints: params.trustedRootFingerprints })
  checkAttestationPolicy(attestation, params)
  return attestation
}
