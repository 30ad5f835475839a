/**
 * X.509 certificate decoding for the WebCrypto Nitro verifier (webCertificates.ts), as strict
 * as OpenSSL's decoder where a tampered certificate could tell the two apart and as lenient
 * where OpenSSL is, so that a certificate node:crypto cannot parse is one this cannot parse
 * either, and the extension flags OpenSSL's chain checks read come out the same: field order
 * and tags, minimal OIDs and INTEGERs, BIT STRING padding, names whose strings decode, EC key
 * parameters; and OpenSSL's leniencies (a primitive-flagged SEQUENCE OF in a name or the
 * extension list, multi-byte tags, constructed OCTET STRINGs). Throws on a certificate that
 * does not parse. No Node built-ins. @peculiar/x509 is not used: its ASN.1 layer reads BER
 * leniently, and certificates it accepted and OpenSSL refused (or the reverse) got different
 * error codes from the two verifiers.
 */
import { type DerElement, childrenOf, readElement } from './der.ts'

/** A parsed certificate with the raw bytes the chain checks compare and verify. */
export type WebCertificate = {
  commonName: string
  /** Unix ms; NaN when the time does not read, which no `now` satisfies. */
  notBefore: number
  notAfter: number
  tbs: Uint8Array
  innerAlgorithm: Uint8Array
  outerAlgorithm: Uint8Array
  /** BIT STRING content: the unused-bits count, then the signature. */
  signatureBits: Uint8Array
  serial: Uint8Array
  /** Names in OpenSSL's comparison form (see canonicalName). */
  issuerName: string
  subjectName: string
  spki: Uint8Array
  /** False where an extension OpenSSL decodes does not decode, or appears twice. */
  extensionsValid: boolean
  basicConstraintsCa: boolean | null
  /** keyUsage's first two bytes (OpenSSL's ex_kusage), null when absent. */
  keyUsage: number | null
  subjectKeyId: Uint8Array | null
  authorityKeyId: { keyId: Uint8Array | null; serial: Uint8Array | null } | null
}

const oid = (...bytes: number[]): string => bytes.map((b) => b.toString(16).padStart(2, '0')).join('')
export const hexOf = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

const EXT_BASIC_CONSTRAINTS = oid(0x55, 0x1d, 0x13)
const EXT_KEY_USAGE = oid(0x55, 0x1d, 0x0f)
const EXT_SUBJECT_KEY_ID = oid(0x55, 0x1d, 0x0e)
const EXT_AUTHORITY_KEY_ID = oid(0x55, 0x1d, 0x23)
const EXT_CRL_DISTRIBUTION_POINTS = oid(0x55, 0x1d, 0x1f)
const EXT_NAME_CONSTRAINTS = oid(0x55, 0x1d, 0x1e)
const EXT_EXTENDED_KEY_USAGE = oid(0x55, 0x1d, 0x25)
const EXT_SUBJECT_ALT_NAME = oid(0x55, 0x1d, 0x11)

/** ECDSA signature algorithms (OID content hex) and the WebCrypto hash each uses; null: known to OpenSSL, not to WebCrypto. */
export const ECDSA_SIGNATURE_ALGORITHMS = new Map<string, string | null>([
  [oid(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01), 'SHA-1'],
  [oid(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x02), null], // ecdsa-with-Recommended
  [oid(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03), null], // ecdsa-with-Specified
  [oid(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x01), null], // SHA-224
  [oid(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02), 'SHA-256'],
  [oid(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03), 'SHA-384'],
  [oid(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04), 'SHA-512'],
  ...[0x09, 0x0a, 0x0b, 0x0c].map((n): [string, null] => [oid(0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, n), null]), // SHA3
])
export const EC_PUBLIC_KEY = oid(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01)
export const NAMED_CURVES = new Map<string, { namedCurve: string; size: number }>([
  [oid(0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07), { namedCurve: 'P-256', size: 32 }],
  [oid(0x2b, 0x81, 0x04, 0x00, 0x22), { namedCurve: 'P-384', size: 48 }],
  [oid(0x2b, 0x81, 0x04, 0x00, 0x23), { namedCurve: 'P-521', size: 66 }],
])
export const KU_KEY_CERT_SIGN = 0x0004
const DECODED_EXTENSIONS = new Set([EXT_BASIC_CONSTRAINTS, EXT_KEY_USAGE, EXT_SUBJECT_KEY_ID, EXT_AUTHORITY_KEY_ID, EXT_CRL_DISTRIBUTION_POINTS, EXT_NAME_CONSTRAINTS, EXT_EXTENDED_KEY_USAGE, EXT_SUBJECT_ALT_NAME])

class NotACertificate extends Error {}

const bytesOf = (der: Uint8Array, e: DerElement): Uint8Array => der.subarray(e.start, e.end)
export const contentOf = (der: Uint8Array, e: DerElement): Uint8Array => der.subarray(e.contentStart, e.end)

/** The OID (content hex) at the head of an AlgorithmIdentifier or SubjectPublicKeyInfo's algorithm. */
export function algorithmOf(der: Uint8Array, algorithmIdentifier: DerElement): { id: string; parameter: DerElement | null } {
  const parts = childrenOf(der, algorithmIdentifier) ?? []
  const id = tagged(parts[0], 0x06)
  return { id: hexOf(contentOf(der, id)), parameter: parts[1] ?? null }
}


/**
 * The certificate's structure, checked as strictly as OpenSSL's decoder checks it, so that a
 * certificate Node cannot parse is one this cannot parse either (and the reverse): fixed
 * field order and tags, OIDs and INTEGERs in minimal form, BIT STRINGs with at most 7 unused
 * bits, times of plausible length, names whose string values decode. Where OpenSSL is
 * lenient (a primitive-flagged SEQUENCE OF in a Name or the extension list), so is this.
 */
export function decodeCertificate(der: Uint8Array): WebCertificate {
  const outer = tagged(readElement(der, 0), SEQUENCE)
  if (outer.end !== der.length) fail()
  const [tbsElement, outerAlgorithm, signature, ...extra] = kids(der, outer)
  if (extra.length > 0) fail()
  tagged(tbsElement, SEQUENCE)
  checkAlgorithm(der, outerAlgorithm)
  checkBitString(der, signature)

  const fields = kids(der, tbsElement)
  let at = 0
  if (fields[0]?.tag === 0xa0) {
    const [version, ...more] = kids(der, fields[0])
    if (more.length > 0) fail()
    checkInteger(der, version)
    at = 1
  }
  const [serial, innerAlgorithm, issuer, validity, subject, spki] = fields.slice(at, at + 6)
  checkInteger(der, serial)
  checkAlgorithm(der, innerAlgorithm)
  const issuerName = canonicalName(der, tagged(issuer, ...NAME_SEQUENCE))
  const [notBefore, notAfter, ...moreTimes] = kids(der, tagged(validity, SEQUENCE))
  if (moreTimes.length > 0) fail()
  const subjectName = canonicalName(der, tagged(subject, ...NAME_SEQUENCE))
  const [spkiAlgorithm, spkiKey, ...moreKey] = kids(der, tagged(spki, SEQUENCE))
  if (moreKey.length > 0) fail()
  checkAlgorithm(der, spkiAlgorithm)
  checkBitString(der, spkiKey)
  checkEcKeyAlgorithm(der, spkiAlgorithm)
  // Then [1] issuerUniqueID, [2] subjectUniqueID, [3] extensions, each optional, in that order.
  const rest = fields.slice(at + 6)
  let extensionsWrapper: DerElement | undefined
  let last = 0
  for (const field of rest) {
    const order = OPTIONAL_TBS_FIELDS.indexOf(field.tag) + 1
    if (order <= last) fail()
    last = order
    if (field.tag === 0xa3) extensionsWrapper = field
    else checkBitString(der, { ...field, tag: 0x03 })
  }

  const cert: WebCertificate = {
    commonName: commonNameOf(der, subject),
    notBefore: timeOf(der, notBefore),
    notAfter: timeOf(der, notAfter),
    tbs: bytesOf(der, tbsElement),
    innerAlgorithm: bytesOf(der, innerAlgorithm),
    outerAlgorithm: bytesOf(der, outerAlgorithm),
    signatureBits: contentOf(der, signature),
    serial: contentOf(der, serial),
    issuerName,
    subjectName,
    spki: bytesOf(der, spki),
    extensionsValid: true,
    basicConstraintsCa: null,
    keyUsage: null,
    subjectKeyId: null,
    authorityKeyId: null,
  }
  if (extensionsWrapper) readExtensions(der, extensionsWrapper, cert)
  return cert
}

const SEQUENCE = 0x30
const SET = 0x31
/** OpenSSL takes a Name's SEQUENCE OF and SET OF with the constructed bit clear, as it does the extension list. */
const NAME_SEQUENCE = [0x30, 0x10]
const NAME_SET = [0x31, 0x11]
const OPTIONAL_TBS_FIELDS = [0x81, 0x82, 0xa3]

function tagged(element: DerElement | null | undefined, ...tags: number[]): DerElement {
  if (!element || !tags.includes(element.tag)) fail()
  return element
}

function kids(der: Uint8Array, element: DerElement): DerElement[] {
  return childrenOf(der, element) ?? fail()
}

/** An OBJECT IDENTIFIER: non-empty, each sub-identifier minimal (no leading 0x80), the last one finished. */
function checkOid(der: Uint8Array, element: DerElement | undefined): string {
  const content = contentOf(der, tagged(element, 0x06))
  if (content.length === 0 || content[content.length - 1] & 0x80) fail()
  for (let i = 0; i < content.length; i++) if (content[i] === 0x80 && (i === 0 || !(content[i - 1] & 0x80))) fail()
  return hexOf(content)
}

function checkInteger(der: Uint8Array, element: DerElement | undefined): void {
  const content = contentOf(der, tagged(element, 0x02))
  if (content.length === 0) fail()
  if (content.length > 1 && ((content[0] === 0 && !(content[1] & 0x80)) || (content[0] === 0xff && content[1] & 0x80))) fail()
}

function checkBitString(der: Uint8Array, element: DerElement | undefined): void {
  const content = contentOf(der, tagged(element, 0x03))
  if (content.length === 0 || content[0] > 7) fail()
}

function checkAlgorithm(der: Uint8Array, element: DerElement | undefined): void {
  const [id, parameter, ...more] = kids(der, tagged(element, SEQUENCE))
  if (more.length > 0) fail()
  checkOid(der, id)
  if (parameter) checkAny(der, parameter)
}

/** An ANY value: universal primitives whose content OpenSSL checks are checked. */
function checkAny(der: Uint8Array, element: DerElement): void {
  const length = element.end - element.contentStart
  if (element.tag === 0x01 && length !== 1) fail()
  if (element.tag === 0x05 && length !== 0) fail()
  if (element.tag === 0x02 || element.tag === 0x0a) checkInteger(der, { ...element, tag: 0x02 })
  if (element.tag === 0x06) checkOid(der, element)
  if (element.tag === 0x03) checkBitString(der, element)
}

/** UTCTime (two-digit years: 50-99 are 19xx) or GeneralizedTime, Z only; NaN when unreadable, which fails the validity check as in Node. */
function timeOf(der: Uint8Array, element: DerElement | undefined): number {
  const e = tagged(element, 0x17, 0x18)
  const text = latin1(contentOf(der, e))
  if (e.tag === 0x17 ? text.length < 13 : text.length < 15) fail()
  const m = (e.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/ : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.\d+)?Z$/).exec(text)
  if (!m) return Number.NaN
  const year = e.tag === 0x17 ? (Number(m[1]) >= 50 ? 1900 : 2000) + Number(m[1]) : Number(m[1])
  const [month, day, hour, minute, second] = m.slice(2).map(Number)
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return Number.NaN
  return Date.UTC(year, month - 1, day, hour, minute, second)
}

/**
 * OpenSSL decodes an EC key while parsing: a certificate whose EC key parameters are
 * constructed, or an OID that is not minimally encoded, does not parse (an unknown curve, other
 * parameters and other key types parse; their signatures fail here).
 */
function checkEcKeyAlgorithm(der: Uint8Array, algorithm: DerElement): void {
  const [id, parameter] = kids(der, algorithm)
  if (hexOf(contentOf(der, id)) !== EC_PUBLIC_KEY || !parameter) return
  if (parameter.tag & 0x20) fail()
  if (parameter.tag !== 0x06) return
  checkOid(der, parameter)
}

const COMMON_NAME = oid(0x55, 0x04, 0x03)

/** The subject's CN as node:crypto's subject string shows it, for error messages. */
function commonNameOf(der: Uint8Array, name: DerElement): string {
  for (const rdn of kids(der, name)) {
    for (const entry of kids(der, rdn)) {
      const [id, value] = kids(der, entry)
      if (hexOf(contentOf(der, id)) === COMMON_NAME) {
        const read = CANONICAL_STRING_TYPES.get(value.tag)
        return read ? read(contentOf(der, value)) : hexOf(contentOf(der, value))
      }
    }
  }
  return ''
}

/** Fills the extension fields the chain checks read; a bad one marks the certificate's extensions invalid, as OpenSSL does. */
function readExtensions(der: Uint8Array, wrapper: DerElement, cert: WebCertificate): void {
  const [list, ...more] = kids(der, wrapper)
  if (more.length > 0) fail()
  const seen = new Set<string>()
  for (const extension of kids(der, tagged(list, ...NAME_SEQUENCE))) {
    const parts = kids(der, tagged(extension, SEQUENCE))
    const id = checkOid(der, parts[0])
    const critical = parts.length === 3 ? tagged(parts[1], 0x01) : undefined
    if (critical && critical.end - critical.contentStart !== 1) fail()
    if (parts.length < 2 || parts.length > 3) fail()
    // A constructed OCTET STRING is BER OpenSSL accepts; what it gathers from one never decodes as these extensions do.
    const value = tagged(parts[parts.length - 1], 0x04, 0x24)
    const decodes = DECODED_EXTENSIONS.has(id)
    if (!decodes) continue
    if (seen.has(id) || value.tag === 0x24) {
      cert.extensionsValid = false
      continue
    }
    seen.add(id)
    try {
      decodeExtension(id, der, value, cert)
    } catch {
      cert.extensionsValid = false
    }
  }
}

/** The extension's content (inside its OCTET STRING) as OpenSSL reads it: one element; bytes after it are ignored. */
function extensionContent(der: Uint8Array, value: DerElement): DerElement {
  return readElement(der, value.contentStart, value.end) ?? fail()
}

/** Decodes the extensions the chain checks use, as strictly as OpenSSL's templates; throws where OpenSSL's decode fails. */
function decodeExtension(id: string, der: Uint8Array, value: DerElement, cert: WebCertificate): void {
  const content = extensionContent(der, value)
  if (id === EXT_BASIC_CONSTRAINTS) {
    const parts = kids(der, tagged(content, SEQUENCE))
    let at = 0
    let ca = false
    if (parts[at]?.tag === 0x01) {
      if (parts[at].end - parts[at].contentStart !== 1) fail()
      ca = der[parts[at].contentStart] !== 0
      at++
    }
    if (parts[at]) {
      checkInteger(der, parts[at])
      // A path length on a non-CA, or a negative one, makes OpenSSL call the extensions invalid.
      if (!ca || der[parts[at].contentStart] & 0x80) cert.extensionsValid = false
      at++
    }
    if (at !== parts.length) fail()
    cert.basicConstraintsCa = ca
  } else if (id === EXT_KEY_USAGE) {
    checkBitString(der, content)
    const bits = der.subarray(content.contentStart + 1, content.end)
    const unused = der[content.contentStart]
    const last = bits.length > 0 ? bits[bits.length - 1] & (0xff << unused) : 0
    const byteAt = (i: number): number => (i === bits.length - 1 ? last : (bits[i] ?? 0))
    cert.keyUsage = bits.length === 0 ? 0 : byteAt(0) | (bits.length > 1 ? byteAt(1) << 8 : 0)
    // OpenSSL 3 calls an empty key usage (RFC 5280 §4.2.1.3) invalid.
    if (cert.keyUsage === 0) cert.extensionsValid = false
  } else if (id === EXT_SUBJECT_KEY_ID) {
    cert.subjectKeyId = contentOf(der, tagged(content, 0x04))
  } else if (id === EXT_AUTHORITY_KEY_ID) {
    let keyId: Uint8Array | null = null
    let serial: Uint8Array | null = null
    let last = -1
    for (const part of kids(der, tagged(content, SEQUENCE))) {
      const order = [0x80, 0xa1, 0x82].indexOf(part.tag)
      if (order <= last) fail()
      last = order
      if (part.tag === 0x80) keyId = contentOf(der, part)
      else if (part.tag === 0x82) {
        checkInteger(der, { ...part, tag: 0x02 })
        serial = contentOf(der, part)
      } else checkGeneralNames(der, part)
    }
    cert.authorityKeyId = { keyId, serial }
  } else if (id === EXT_CRL_DISTRIBUTION_POINTS) {
    for (const point of kids(der, tagged(content, SEQUENCE))) {
      let last = -1
      // As OpenSSL, a DistributionPoint with its constructed bit clear still reads.
      for (const part of kids(der, tagged(point, SEQUENCE, 0x10))) {
        const order = [0xa0, 0x81, 0xa2].indexOf(part.tag)
        if (order <= last) fail()
        last = order
        if (part.tag === 0xa0) {
          const [name, ...more] = kids(der, part)
          if (more.length > 0) fail()
          if (tagged(name, 0xa0, 0x80, 0xa1).tag !== 0xa1) checkGeneralNames(der, name)
          else canonicalName(der, { ...name, tag: SET })
        } else if (part.tag === 0x81) checkBitString(der, { ...part, tag: 0x03 })
        else checkGeneralNames(der, part)
      }
    }
  } else if (id === EXT_NAME_CONSTRAINTS) {
    for (const part of kids(der, tagged(content, SEQUENCE))) tagged(part, 0xa0, 0xa1)
  } else if (id === EXT_EXTENDED_KEY_USAGE) {
    for (const purpose of kids(der, tagged(content, SEQUENCE))) checkOid(der, purpose)
  } else if (id === EXT_SUBJECT_ALT_NAME) {
    checkGeneralNames(der, tagged(content, SEQUENCE), true)
  }
}

/** GeneralNames: one or more of the GeneralName choices; the kinds a chain check might meet are looked into. */
function checkGeneralNames(der: Uint8Array, names: DerElement, mayBeEmpty = false): void {
  const list = kids(der, names)
  if (list.length === 0 && !mayBeEmpty) fail()
  for (const name of list) {
    if (![0xa0, 0x81, 0x82, 0xa3, 0xa4, 0xa5, 0x86, 0x87, 0x88].includes(name.tag)) fail()
    if (name.tag === 0xa4) {
      const [inner, ...more] = kids(der, name)
      if (more.length > 0) fail()
      canonicalName(der, tagged(inner, ...NAME_SEQUENCE))
    }
    if (name.tag === 0x88) checkOid(der, { ...name, tag: 0x06 })
  }
}

/** String types OpenSSL compares case- and space-insensitively (ASN1_MASK_CANON), with how their bytes read. */
const CANONICAL_STRING_TYPES = new Map<number, (bytes: Uint8Array) => string>([
  [0x0c, (b) => new TextDecoder('utf-8', { fatal: true }).decode(b)],
  [0x13, latin1],
  [0x14, latin1],
  [0x16, latin1],
    [0x1e, (b) => (b.length % 2 ? fail() : new TextDecoder('utf-16be', { fatal: true }).decode(b))],
  [0x1c, (b) => (b.length % 4 ? fail() : String.fromCodePoint(...Array.from({ length: b.length / 4 }, (_, i) => new DataView(b.buffer, b.byteOffset).getUint32(4 * i))))],
])

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes)
}

function fail(): never {
  throw new NotACertificate()
}

/**
 * A Name as X509_NAME_cmp compares it: per RDN, each attribute's OID and value, where string
 * values are read as text, stripped of leading and trailing whitespace, inner runs of
 * whitespace made one space, ASCII lower-cased; other values compare by type and bytes.
 */
function canonicalName(der: Uint8Array, name: DerElement): string {
  const rdns = kids(der, name).map((rdn) => {
    const entries = kids(der, tagged(rdn, ...NAME_SET)).map((entry) => {
      const [id, value, ...rest] = kids(der, tagged(entry, SEQUENCE))
      if (!value || rest.length > 0) fail()
      const attribute = checkOid(der, id)
      if (value.tag !== SEQUENCE && !NAME_VALUE_TAGS.has(value.tag)) fail()
      const bytes = contentOf(der, value)
      if (value.tag === 0x03 && (bytes.length === 0 || bytes[0] > 7)) fail()
      const read = CANONICAL_STRING_TYPES.get(value.tag)
      if (!read) return `${attribute}#${value.tag}:${hexOf(bytes)}`
      let text: string
      try {
        text = read(bytes)
      } catch {
        return fail()
      }
      text = text.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '').replace(/[ \t\n\v\f\r]+/g, ' ').replace(/[A-Z]/g, (c) => c.toLowerCase())
      return `${attribute}=${JSON.stringify(text)}`
    })
    return entries.sort().join('+')
  })
  return rdns.join(',')
}

/** Universal primitive tags a Name's attribute value may carry in OpenSSL (its ASN1_PRINTABLE), SEQUENCE aside. */
const NAME_VALUE_TAGS = new Set([0x03, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x12, 0x13, 0x14, 0x16, 0x1c, 0x1d, 0x1e])
