/**
 * What both Nitro verifiers share: the parameter and result types, and the decoding of a
 * document up to (not including) the cryptography: size bound, COSE_Sign1, algorithm, payload
 * fields, root pinning. verifyNitroDocument (node:crypto, synchronous: the ledger's) and
 * verifyNitroDocumentAsync (WebCrypto: browsers) differ only in how they check certificates and
 * signatures, so a document that is malformed or chains to an untrusted root gets the same
 * verdict from both by construction. No Node built-ins here.
 */
import { type Hex, toHex } from '../core/bytes.ts'
import { COSE_ALG_ES384, type CoseSign1, assertPlainCbor, cborDecoder, decodeCoseSign1 } from './cose.ts'
import { MalformedDocumentError, UntrustedRootError } from './errors.ts'
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

// Field limits from the NSM API: PCR values are 32, 48 or 64 bytes; public_key at most 1024
// bytes; user_data and nonce at most 512 (we allow 1024 to tolerate future growth).
const MAX_OPTIONAL_FIELD = 1024
const PCR_LENGTHS = new Set([32, 48, 64])
const MAX_PCR_INDEX = 31
// AWS documents are 4-8 kB; the bound keeps a hostile transaction from making us parse megabytes.
const MAX_DOCUMENT_BYTES = 32 * 1024

/** A document decoded and its root pinned; certificates and signatures still unchecked. */
export type DecodedNitroDocument = {
  nowMs: number
  cose: CoseSign1
  fields: PayloadFields
  /** cabundle (root first) then the leaf. */
  chainDers: Uint8Array[]
  /** SHA-256 of each of chainDers; [0] is the trusted root's. */
  chainFingerprints: Hex[]
}

/**
 * Everything before the cryptography, in the order both verifiers run it: the time, the size
 * bound, COSE_Sign1 and its algorithm, the payload, then the root against the trusted set.
 */
export function decodeNitroDocument(
  document: Uint8Array,
  { now, trustedRootFingerprints }: VerifyNitroDocumentParameters,
  caller: string,
): DecodedNitroDocument {
  const nowMs = typeof now === 'number' ? now : now.getTime()
  if (!Number.isFinite(nowMs)) throw new TypeError(`${caller}: now is not a valid time`)
  if (document.length > MAX_DOCUMENT_BYTES) throw new MalformedDocumentError({ reason: `larger than ${MAX_DOCUMENT_BYTES} bytes` })

  const cose = decodeCoseSign1(document)
  if (cose.protectedHeader.get(1) !== COSE_ALG_ES384) throw new MalformedDocumentError({ reason: 'algorithm is not ES384' })
  const fields = decodePayload(cose.payload)

  const chainDers = [...fields.cabundle, fields.certificate]
  const chainFingerprints = chainDers.map(certificateFingerprint)
  const rootFingerprint = chainFingerprints[0]
  const trusted = trustedRootFingerprints.some((f) => normaliseFingerprint(f) === rootFingerprint)
  if (!trusted) throw new UntrustedRootError({ fingerprint: rootFingerprint })
  return { nowMs, cose, fields, chainDers, chainFingerprints }
}

/** The verified result, once the chain and the signature have been checked. */
export function nitroAttestationOf({ fields, chainFingerprints }: DecodedNitroDocument): NitroAttestation {
  return {
    kind: 'nitro',
    moduleId: fields.moduleId,
    digest: 'SHA384',
    timestamp: fields.timestamp,
    pcrs: fields.pcrs,
    rootFingerprint: chainFingerprints[0],
    publicKey: fields.publicKey,
    userData: fields.userData,
    nonce: fields.nonce,
  }
}

/** The name a chain error gives a certificate by its position (cabundle first, then the leaf). */
export function chainPositionName(index: number, length: number): string {
  return index === length - 1 ? 'leaf' : `cabundle[${index}]`
}

/** COSE's ES384 signature is raw r ‖ s, 48 bytes each. */
export const ES384_SIGNATURE_BYTES = 96

export type PayloadFields = {
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

