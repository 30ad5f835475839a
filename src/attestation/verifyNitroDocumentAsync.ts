/**
 * verifyNitroDocument over WebCrypto (`crypto.subtle`) and @peculiar/x509, for browsers,
 * workers and any runtime without node:crypto. The same checks in the same order, so the same
 * verdict and the same error code for every document: decoding and root pinning are shared
 * (nitroDocument.ts), and webCertificates.ts reproduces the OpenSSL checks the Node verifier
 * relies on. Asynchronous because WebCrypto is; the ledger keeps the synchronous Node verifier,
 * which its tests hold this one to.
 */
import { type Hex } from '../core/bytes.ts'
import { sign1SigStructure } from './cose.ts'
import { BadSignatureError, CertificateChainError, CertificateExpiredError } from './errors.ts'
import {
  ES384_SIGNATURE_BYTES,
  type NitroAttestation,
  type VerifyNitroDocumentParameters,
  chainPositionName,
  decodeNitroDocument,
  nitroAttestationOf,
} from './nitroDocument.ts'
import { type WebCertificate } from './decodeCertificate.ts'
import { ecCurveOf, ecdsaKeyOf, isCa, isIssuedBy, parseWebCertificate, verifiesUnderAsync } from './webCertificates.ts'

export type { NitroAttestation, VerifyNitroDocumentParameters } from './nitroDocument.ts'

export type VerifyNitroDocumentAsyncReturnType = NitroAttestation

export type { VerifyNitroDocumentErrorType as VerifyNitroDocumentAsyncErrorType } from './verifyNitroDocument.ts'

/**
 * Verifies a Nitro attestation document (COSE_Sign1 bytes) as `verifyNitroDocument` does, with
 * WebCrypto: the certificate chain to one of the trusted roots at `now`, and the ES384
 * signature. Rejects with the same `AttestationError` codes.
 *
 * @example
 * import { AWS_NITRO_ROOT_G1_FINGERPRINT, verifyNitroDocumentAsync } from 'haca/browser'
 * const attestation = await verifyNitroDocumentAsync(bytes, {
 *   now: Date.now(),
 *   trustedRootFingerprints: [AWS_NITRO_ROOT_G1_FINGERPRINT],
 * })
 * attestation.pcrs.get(0) // '0x…'
 */
export async function verifyNitroDocumentAsync(document: Uint8Array, params: VerifyNitroDocumentParameters): Promise<VerifyNitroDocumentAsyncReturnType> {
  const decoded = decodeNitroDocument(document, params, 'verifyNitroDocumentAsync')
  const { cose, chainFingerprints } = decoded
  const leaf = await verifyChain(decoded.chainDers, chainFingerprints, decoded.nowMs)

  const leafFingerprint = chainFingerprints[chainFingerprints.length - 1]
  const key = ecCurveOf(leaf)?.namedCurve === 'P-384' ? await ecdsaKeyOf(leaf, leafFingerprint) : null
  if (!key) throw new CertificateChainError({ reason: 'leaf key is not a P-384 key' })
  if (cose.signature.length !== ES384_SIGNATURE_BYTES) throw new BadSignatureError({ what: 'attestation document' })
  const signed = sign1SigStructure(cose.protectedBytes, cose.payload)
  const ok = await globalThis.crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-384' }, key, cose.signature, signed)
  if (!ok) throw new BadSignatureError({ what: 'attestation document' })

  return nitroAttestationOf(decoded)
}

function parseCertificate(der: Uint8Array, fingerprint: Hex, what: string): WebCertificate {
  try {
    return parseWebCertificate(fingerprint, der)
  } catch {
    throw new CertificateChainError({ reason: `${what} is not an X.509 certificate` })
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** A time as node:crypto's validFrom / validTo spell it ("Sep  7 14:37:36 2024 GMT"), so both verifiers' errors read the same. */
function opensslTime(ms: number): string {
  if (Number.isNaN(ms)) return 'Bad time value'
  const date = new Date(ms)
  const pad = (n: number): string => String(n).padStart(2, '0')
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
  return `${MONTHS[date.getUTCMonth()]} ${String(date.getUTCDate()).padStart(2, ' ')} ${time} ${date.getUTCFullYear()} GMT`
}

function checkValidity(cert: WebCertificate, nowMs: number): void {
  if (!(cert.notBefore <= nowMs && nowMs <= cert.notAfter)) {
    throw new CertificateExpiredError({ subject: cert.commonName, validFrom: opensslTime(cert.notBefore), validTo: opensslTime(cert.notAfter), now: nowMs })
  }
}

/** As verifyNitroDocument's verifyChain: root validity, then per link CA flag, issuer, signature, validity. */
async function verifyChain(ders: Uint8Array[], fingerprints: Hex[], nowMs: number): Promise<WebCertificate> {
  const chain = ders.map((der, i) => parseCertificate(der, fingerprints[i], chainPositionName(i, ders.length)))
  checkValidity(chain[0], nowMs)
  for (let i = 1; i < chain.length; i++) {
    const issuer = chain[i - 1]
    const cert = chain[i]
    if (!isCa(issuer)) throw new CertificateChainError({ reason: `"${issuer.commonName}" is not a CA` })
    if (!isIssuedBy(cert, issuer)) throw new CertificateChainError({ reason: `"${cert.commonName}" is not issued by "${issuer.commonName}"` })
    if (!(await verifiesUnderAsync(cert, fingerprints[i], issuer, fingerprints[i - 1]))) {
      throw new BadSignatureError({ what: `certificate "${cert.commonName}"` })
    }
    checkValidity(cert, nowMs)
  }
  return chain[chain.length - 1]
}
