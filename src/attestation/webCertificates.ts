/**
 * X.509 chain checks over WebCrypto, for verifyNitroDocumentAsync: certificates decoded by
 * decodeCertificate.ts, the signed bytes taken from the DER as received, signatures checked by
 * `crypto.subtle`.
 * Each check reproduces what verifyNitroDocument asks of OpenSSL through node:crypto
 * (`new X509Certificate`, `.ca`, `.checkIssued`, `.verify`), because the two verifiers must
 * give every document the same verdict and, as far as can be, the same error code:
 * - a certificate parses when OpenSSL's decoder would parse it (decodeCertificate.ts);
 * - a CA is a certificate whose basicConstraints says cA and whose keyUsage, if present,
 *   allows keyCertSign (X509_check_ca answering 1);
 * - "issued by" is: the issuer's subject name equals the certificate's issuer name as
 *   X509_NAME_cmp compares them (case and spacing of strings aside), the authority key
 *   identifier (if any) names the issuer's key and serial, the certificate's signature
 *   algorithm is an ECDSA one, the issuer's keyUsage allows keyCertSign, and neither
 *   certificate has an extension OpenSSL decodes that does not decode, appears twice, or is
 *   an empty keyUsage (X509_check_issued);
 * - a signature verifies when the outer and inner algorithm identifiers are identical and the
 *   ECDSA signature is strict DER and valid over the TBS bytes (X509_verify).
 * Parsed certificates, imported keys and successful links are memoised by DER fingerprint,
 * as certificateCache.ts does for the Node verifier.
 */
import { type Hex } from '../core/bytes.ts'
import { childrenOf, ecdsaDerToRaw, readElement } from './der.ts'
import {
  ECDSA_SIGNATURE_ALGORITHMS, EC_PUBLIC_KEY, KU_KEY_CERT_SIGN, NAMED_CURVES, type WebCertificate, algorithmOf, contentOf, decodeCertificate, hexOf,
} from './decodeCertificate.ts'

/** WebCrypto's key type, named without the DOM library or node:crypto's types. */
type CryptoKey = Awaited<ReturnType<typeof globalThis.crypto.subtle.importKey>>

const MAX_ENTRIES = 4096
const parsedMemo = new Map<Hex, WebCertificate>()
const keyMemo = new Map<Hex, Promise<CryptoKey | null>>()
const verifiedLinks = new Set<string>()

/** Forgets everything; for benchmarks that measure cold verification. */
export function clearWebCertificateCache(): void {
  parsedMemo.clear()
  keyMemo.clear()
  verifiedLinks.clear()
}

/** Parses (or returns the memoised parse of) a DER certificate whose fingerprint is given; throws on anything else. */
export function parseWebCertificate(fingerprint: Hex, der: Uint8Array): WebCertificate {
  let cert = parsedMemo.get(fingerprint)
  if (!cert) {
    cert = decodeCertificate(der)
    if (parsedMemo.size >= MAX_ENTRIES) parsedMemo.clear()
    parsedMemo.set(fingerprint, cert)
  }
  return cert
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i])

/** OpenSSL's X509_check_ca(cert) === 1. */
export function isCa(cert: WebCertificate): boolean {
  if (!cert.extensionsValid) return false
  if (cert.keyUsage !== null && !(cert.keyUsage & KU_KEY_CERT_SIGN)) return false
  return cert.basicConstraintsCa === true
}

/** OpenSSL's X509_check_issued(issuer, cert) === X509_V_OK. */
export function isIssuedBy(cert: WebCertificate, issuer: WebCertificate): boolean {
  if (issuer.subjectName !== cert.issuerName) return false
  if (!issuer.extensionsValid || !cert.extensionsValid) return false
  const akid = cert.authorityKeyId
  if (akid?.keyId && issuer.subjectKeyId && !sameBytes(akid.keyId, issuer.subjectKeyId)) return false
  if (akid?.serial && !sameBytes(akid.serial, issuer.serial)) return false
  const der = cert.innerAlgorithm
  const algorithm = algorithmOf(der, readElement(der, 0)!)
  if (!ECDSA_SIGNATURE_ALGORITHMS.has(algorithm.id)) return false
  if (ecCurveOf(issuer) === undefined) return false
  if (issuer.keyUsage !== null && !(issuer.keyUsage & KU_KEY_CERT_SIGN)) return false
  return true
}

/** The named curve of an EC public key; undefined when the key is not EC on a curve WebCrypto knows. */
export function ecCurveOf(cert: WebCertificate): { namedCurve: string; size: number } | undefined {
  const spki = cert.spki
  const parts = childrenOf(spki, readElement(spki, 0)!) ?? []
  if (!parts[0]) return undefined
  const { id, parameter } = algorithmOf(spki, parts[0])
  if (id !== EC_PUBLIC_KEY || parameter?.tag !== 0x06) return undefined
  return NAMED_CURVES.get(hexOf(contentOf(spki, parameter)))
}

/** The certificate's public key for ECDSA verification; null if it is not an EC key WebCrypto can import. */
export function ecdsaKeyOf(cert: WebCertificate, fingerprint: Hex): Promise<CryptoKey | null> {
  let key = keyMemo.get(fingerprint)
  if (!key) {
    const curve = ecCurveOf(cert)
    key = curve
      ? globalThis.crypto.subtle.importKey('spki', cert.spki, { name: 'ECDSA', namedCurve: curve.namedCurve }, false, ['verify']).catch(() => null)
      : Promise.resolve(null)
    if (keyMemo.size >= MAX_ENTRIES) keyMemo.clear()
    keyMemo.set(fingerprint, key)
  }
  return key
}

/** OpenSSL's X509_verify(cert, issuer's key) === 1; successes are remembered. */
export async function verifiesUnderAsync(cert: WebCertificate, certFingerprint: Hex, issuer: WebCertificate, issuerFingerprint: Hex): Promise<boolean> {
  const link = `${issuerFingerprint}>${certFingerprint}`
  if (verifiedLinks.has(link)) return true
  if (!sameBytes(cert.outerAlgorithm, cert.innerAlgorithm)) return false
  const der = cert.outerAlgorithm
  const hash = ECDSA_SIGNATURE_ALGORITHMS.get(algorithmOf(der, readElement(der, 0)!).id)
  const curve = ecCurveOf(issuer)
  const key = await ecdsaKeyOf(issuer, issuerFingerprint)
  if (!hash || !curve || !key) return false
  // A BIT STRING with unused bits is refused before the signature is looked at.
  if (cert.signatureBits.length === 0 || cert.signatureBits[0] !== 0) return false
  const raw = ecdsaDerToRaw(cert.signatureBits.subarray(1), curve.size)
  if (!raw) return false
  const ok = await globalThis.crypto.subtle.verify({ name: 'ECDSA', hash }, key, raw, cert.tbs)
  if (!ok) return false
  if (verifiedLinks.size >= MAX_ENTRIES) verifiedLinks.clear()
  verifiedLinks.add(link)
  return true
}
