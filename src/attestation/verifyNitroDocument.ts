/**
 * Verification of AWS Nitro Enclaves attestation documents (and the simulated enclave's, which
 * have the same format under another root). A pure function of (document bytes, trusted root
 * fingerprints, time): no I/O and no wall clock, so every full node reaches the same verdict
 * for the same block. Synchronous, over node:crypto (OpenSSL): the ledger calls it inside a
 * block. verifyNitroDocumentAsync.ts is the same check over WebCrypto for browsers, held to
 * this file's verdicts by its tests.
 *
 * Format: github.com/aws/aws-nitro-enclaves-nsm-api, docs/attestation_process.md.
 */
import { X509Certificate, verify as verifySignature } from 'node:crypto'
import { type Hex } from '../core/bytes.ts'
import { parsedCertificate, verifiesUnder } from './certificateCache.ts'
import { sign1SigStructure } from './cose.ts'
import {
  BadSignatureError,
  CertificateChainError,
  CertificateExpiredError,
  type MalformedDocumentError,
  type UntrustedRootError,
} from './errors.ts'
import {
  ES384_SIGNATURE_BYTES,
  type NitroAttestation,
  type VerifyNitroDocumentParameters,
  chainPositionName,
  decodeNitroDocument,
  nitroAttestationOf,
} from './nitroDocument.ts'

export type { NitroAttestation, VerifyNitroDocumentParameters } from './nitroDocument.ts'

export type VerifyNitroDocumentReturnType = NitroAttestation

export type VerifyNitroDocumentErrorType =
  | MalformedDocumentError
  | UntrustedRootError
  | CertificateChainError
  | CertificateExpiredError
  | BadSignatureError

/**
 * Verifies a Nitro attestation document (the COSE_Sign1 bytes, not base64): the certificate
 * chain from the leaf through the cabundle to one of the trusted roots at `now`, and the ES384
 * signature. Policy (measurements, age, key binding, debug mode) is `checkAttestationPolicy`'s.
 *
 * @example
 * const attestation = verifyNitroDocument(bytes, {
 *   now: blockTimeMs,
 *   trustedRootFingerprints: [AWS_NITRO_ROOT_G1_FINGERPRINT],
 * })
 * attestation.pcrs.get(0) // '0x…'
 */
export function verifyNitroDocument(document: Uint8Array, params: VerifyNitroDocumentParameters): VerifyNitroDocumentReturnType {
  const decoded = decodeNitroDocument(document, params, 'verifyNitroDocument')
  const { cose } = decoded
  const leaf = verifyChain(decoded.chainDers, decoded.chainFingerprints, decoded.nowMs)

  const details = leaf.publicKey.asymmetricKeyDetails
  if (leaf.publicKey.asymmetricKeyType !== 'ec' || details?.namedCurve !== 'secp384r1') {
    throw new CertificateChainError({ reason: 'leaf key is not a P-384 key' })
  }
  if (cose.signature.length !== ES384_SIGNATURE_BYTES) throw new BadSignatureError({ what: 'attestation document' })
  const signed = sign1SigStructure(cose.protectedBytes, cose.payload)
  const ok = verifySignature('sha384', signed, { key: leaf.publicKey, dsaEncoding: 'ieee-p1363' }, cose.signature)
  if (!ok) throw new BadSignatureError({ what: 'attestation document' })

  return nitroAttestationOf(decoded)
}

function parseCertificate(der: Uint8Array, fingerprint: Hex, what: string): X509Certificate {
  try {
    return parsedCertificate(fingerprint, der)
  } catch {
    throw new CertificateChainError({ reason: `${what} is not an X.509 certificate` })
  }
}

function checkValidity(cert: X509Certificate, nowMs: number): void {
  const from = Date.parse(cert.validFrom)
  const to = Date.parse(cert.validTo)
  if (!(from <= nowMs && nowMs <= to)) {
    throw new CertificateExpiredError({ subject: commonName(cert), validFrom: cert.validFrom, validTo: cert.validTo, now: nowMs })
  }
}

function commonName(cert: X509Certificate): string {
  return /CN=([^\n,]*)/.exec(cert.subject)?.[1] ?? cert.subject
}

/**
 * `ders` is the cabundle, root first, then each intermediate, then the leaf; the root's
 * fingerprint is already pinned. Every link is checked for name, signature, CA flag and
 * validity at `now`; the root for validity.
 */
function verifyChain(ders: Uint8Array[], fingerprints: Hex[], nowMs: number): X509Certificate {
  const chain = ders.map((der, i) => parseCertificate(der, fingerprints[i], chainPositionName(i, ders.length)))
  checkValidity(chain[0], nowMs)
  for (let i = 1; i < chain.length; i++) {
    const issuer = chain[i - 1]
    const cert = chain[i]
    if (!issuer.ca) throw new CertificateChainError({ reason: `"${commonName(issuer)}" is not a CA` })
    if (!cert.checkIssued(issuer)) throw new CertificateChainError({ reason: `"${commonName(cert)}" is not issued by "${commonName(issuer)}"` })
    if (!verifiesUnder(cert, fingerprints[i], issuer, fingerprints[i - 1])) {
      throw new BadSignatureError({ what: `certificate "${commonName(cert)}"` })
    }
    checkValidity(cert, nowMs)
  }
  return chain[chain.length - 1]
}
