/**
 * Verification of AWS Nitro Enclaves attestation documents (and the simulated enclave's, which
 * have the same format under another root). A pure function of (document bytes, trusted root
 * fingerprints, time): no I/O and no wall clock, so every full node reaches the same verdict
 * for the same block.
 *
 * Format: github.com/aws/aws-nitro-enclaves-nsm-api, docs/attestation_process.md.
 */
import { X509Certificate, verify as verifySignature } from 'node:crypto'
import { type Hex, toHex } from '../core/bytes.ts'
import { parsedCertificate, verifiesUnder } from './certificateCache.ts'
import { COSE_ALG_ES384, assertPlainCbor, cborDecoder, decodeCoseSign1, sign1SigStructure } from './cose.ts'
import {
  BadSignatureError,
  CertificateChainError,
  CertificateExpiredError,
  MalformedDocumentError,
  UntrustedRootError,
} from './errors.ts'
import { certificateFingerprint, normaliseFingerprint } from './trustAnchors.ts'

export type VerifyNitroDocumentParameters = {
  /** Verification time: a Date or Unix milliseconds. The ledger passes the block time. */
  now: Date | number
  /** SHA-256 fingerprints of the root certificates' DER that are trusted (hex, 0x optional). */
  trustedRootFingerprints: readonly string[]
}

/** What a verified Nitro document says. Measurements are hex; the rest is raw bytes. */
export type NitroAttestation = {
  kind: 'nitro'
  moduleId: string
  /** Always "SHA384" for Nitro. */
  digest: 'SHA384'
  /** When the enclave produced the document, Unix milliseconds. */
  timestamp: number
  /** PCR index → value (48 bytes each for SHA384). */
  pcrs: ReadonlyMap<number, Hex>
  /** Fingerprint of the trust anchor the chain ended in (one of the trusted ones). */
  rootFingerprint: Hex
  publicKey: Uint8Array | null
  userData: Uint8Array | null
  nonce: Uint8Array | null
}

export type VerifyNitroDocumentReturnType = NitroAttestation

export type VerifyNitroDocumentErrorType =
  | MalformedDocumentError
  | UntrustedRootError
  | CertificateChainError
  | CertificateExpiredError
  | BadSignatureError

// Field limits from the NSM API: PCR values are 32, 48 or 64 bytes; public_key at most 1024
// bytes; user_data and nonce at most 512 (we allow 1024 to tolerate future growth).
const MAX_OPTIONAL_FIELD = 1024
const PCR_LENGTHS = new Set([32, 48, 64])
const MAX_PCR_INDEX = 31
// AWS documents are 4-8 kB; the bound keeps a hostile transaction from making us parse megabytes.
const MAX_DOCUMENT_BYTES = 32 * 1024

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
export function verifyNitroDocument(
  document: Uint8Array,
  { now, trustedRootFingerprints }: VerifyNitroDocumentParameters,
): VerifyNitroDocumentReturnType {
  const nowMs = typeof now === 'number' ? now : now.getTime()
  if (!Number.isFinite(nowMs)) throw new TypeError('verifyNitroDocument: now is not a valid time')
  if (document.length > MAX_DOCUMENT_BYTES) throw new MalformedDocumentError({ reason: `larger than ${MAX_DOCUMENT_BYTES} bytes` })

  const cose = decodeCoseSign1(document)
  if (cose.protectedHeader.get(1) !== COSE_ALG_ES384) throw new MalformedDocumentError({ reason: 'algorithm is not ES384' })
  const fields = decodePayload(cose.payload)

  const leaf = verifyChain(fields.certificate, fields.cabundle, trustedRootFingerprints, nowMs)

  const details = leaf.publicKey.asymmetricKeyDetails
  if (leaf.publicKey.asymmetricKeyType !== 'ec' || details?.namedCurve !== 'secp384r1') {
    throw new CertificateChainError({ reason: 'leaf key is not a P-384 key' })
  }
  if (cose.signature.length !== 96) throw new BadSignatureError({ what: 'attestation document' })
  const signed = sign1SigStructure(cose.protectedBytes, cose.payload)
  const ok = verifySignature('sha384', signed, { key: leaf.publicKey, dsaEncoding: 'ieee-p1363' }, cose.signature)
  if (!ok) throw new BadSignatureError({ what: 'attestation document' })

  return {
    kind: 'nitro',
    moduleId: fields.moduleId,
    digest: 'SHA384',
    timestamp: fields.timestamp,
    pcrs: fields.pcrs,
    rootFingerprint: certificateFingerprint(fields.cabundle[0] ?? fields.certificate),
    publicKey: fields.publicKey,
    userData: fields.userData,
    nonce: fields.nonce,
  }
}

type PayloadFields = {
  moduleId: string
  timestamp: number
  pcrs: Map<number, Hex>
  certificate: Uint8Array
  cabundle: Uint8Array[]
  publicKey: Uint8Array | null
  userData: Uint8Array | null
  nonce: Uint8Array | null
}

function decodePayload(payload: Uint8Array): PayloadFields {
  assertPlainCbor(payload)
  let doc: unknown
  try {
    doc = cborDecoder.decode(payload)
  } catch (cause) {
    throw new MalformedDocumentError({ reason: 'payload is not CBOR', cause })
  }
  if (!(doc instanceof Map)) throw new MalformedDocumentError({ reason: 'payload is not a map' })

  const moduleId = doc.get('module_id')
  if (typeof moduleId !== 'string' || moduleId.length === 0) throw new MalformedDocumentError({ reason: 'module_id' })
  if (doc.get('digest') !== 'SHA384') throw new MalformedDocumentError({ reason: 'digest is not SHA384' })

  const rawTimestamp = doc.get('timestamp')
  const timestamp = typeof rawTimestamp === 'bigint' ? Number(rawTimestamp) : rawTimestamp
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp <= 0) {
    throw new MalformedDocumentError({ reason: 'timestamp' })
  }

  const rawPcrs = doc.get('pcrs')
  if (!(rawPcrs instanceof Map) || rawPcrs.size === 0) throw new MalformedDocumentError({ reason: 'pcrs' })
  const pcrs = new Map<number, Hex>()
  for (const [index, value] of rawPcrs) {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > MAX_PCR_INDEX) {
      throw new MalformedDocumentError({ reason: 'pcr index' })
    }
    if (!(value instanceof Uint8Array) || !PCR_LENGTHS.has(value.length)) throw new MalformedDocumentError({ reason: `pcr ${index}` })
    pcrs.set(index, toHex(value))
  }

  const certificate = doc.get('certificate')
  if (!(certificate instanceof Uint8Array) || certificate.length === 0) throw new MalformedDocumentError({ reason: 'certificate' })
  // A missing cabundle makes the leaf its own root; it then fails the trust-anchor check.
  const rawCabundle = doc.get('cabundle') ?? []
  if (!Array.isArray(rawCabundle) || !rawCabundle.every((c) => c instanceof Uint8Array && c.length > 0)) {
    throw new MalformedDocumentError({ reason: 'cabundle' })
  }
  const cabundle = rawCabundle as Uint8Array[]

  return {
    moduleId,
    timestamp,
    pcrs,
    certificate,
    cabundle,
    publicKey: optionalBytes(doc, 'public_key'),
    userData: optionalBytes(doc, 'user_data'),
    nonce: optionalBytes(doc, 'nonce'),
  }
}

function optionalBytes(doc: Map<unknown, unknown>, key: string): Uint8Array | null {
  const value = doc.get(key)
  if (value === undefined || value === null) return null
  if (!(value instanceof Uint8Array) || value.length > MAX_OPTIONAL_FIELD) throw new MalformedDocumentError({ reason: key })
  // Copy out of the decoder's buffer so callers own what they hold.
  return new Uint8Array(value)
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
 * cabundle is ordered root first, then each intermediate; the leaf is `certificate`. Every
 * link is checked for name, signature, CA flag and validity at `now`; the root is checked
 * by fingerprint (it is the anchor) and for validity.
 */
function verifyChain(
  leafDer: Uint8Array,
  cabundle: Uint8Array[],
  trustedRootFingerprints: readonly string[],
  nowMs: number,
): X509Certificate {
  const ders = [...cabundle, leafDer]
  const fingerprints = ders.map(certificateFingerprint)
  const rootFingerprint = fingerprints[0]
  const trusted = trustedRootFingerprints.some((f) => normaliseFingerprint(f) === rootFingerprint)
  if (!trusted) throw new UntrustedRootError({ fingerprint: rootFingerprint })

  const chain = ders.map((der, i) => parseCertificate(der, fingerprints[i], i === ders.length - 1 ? 'leaf' : `cabundle[${i}]`))
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
