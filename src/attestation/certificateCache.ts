/**
 * Memo of parsed certificates and of issuer→subject signature checks that succeeded, keyed by
 * the DER's SHA-256. Nodes re-attest with the same intermediates for days, and parsing plus
 * three P-384 verifications is ~80% of a Nitro check, so the memo lifts throughput about
 * fourfold. It cannot change a verdict: a signature over fixed bytes verifies or not
 * regardless of time, and validity periods, names and CA flags are still checked on every
 * call. Bounded by clearing when full (simple, and a cold start only costs time).
 */
import { X509Certificate } from 'node:crypto'
import { type Hex } from '../core/bytes.ts'

const MAX_ENTRIES = 4096
const parsed = new Map<Hex, X509Certificate>()
const verifiedLinks = new Set<string>()

/** Parses (or returns the memoised parse of) a DER certificate whose fingerprint is given. */
export function parsedCertificate(fingerprint: Hex, der: Uint8Array): X509Certificate {
  let cert = parsed.get(fingerprint)
  if (!cert) {
    cert = new X509Certificate(der)
    if (parsed.size >= MAX_ENTRIES) parsed.clear()
    parsed.set(fingerprint, cert)
  }
  return cert
}

/** True when `cert`'s signature verifies under `issuer`'s key; successes are remembered. */
export function verifiesUnder(cert: X509Certificate, certFingerprint: Hex, issuer: X509Certificate, issuerFingerprint: Hex): boolean {
  const link = `${issuerFingerprint}>${certFingerprint}`
  if (verifiedLinks.has(link)) return true
  if (!cert.verify(issuer.publicKey)) return false
  if (verifiedLinks.size >= MAX_ENTRIES) verifiedLinks.clear()
  verifiedLinks.add(link)
  return true
}

/** Forgets everything; for benchmarks that measure cold verification. */
export function clearCertificateCache(): void {
  parsed.clear()
  verifiedLinks.clear()
}
