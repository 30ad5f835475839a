/**
 * The little of COSE (RFC 9052) that Nitro attestation documents use: an untagged (or tag 18)
 * COSE_Sign1 array `[protected, unprotected, payload, signature]` and the Sig_structure that
 * the signature covers. The Sig_structure is built by hand rather than with a CBOR encoder so
 * that its bytes cannot depend on an encoder's choices.
 */
import { Decoder } from 'cbor-x'
import { concatBytes } from '../core/bytes.ts'
import { MalformedDocumentError } from './errors.ts'

/** Maps stay Maps (Nitro PCRs have integer keys); no cbor-x record extensions. */
export const cborDecoder = new Decoder({ mapsAsObjects: false, useRecords: false })

export type CoseSign1 = {
  /** The serialised protected header exactly as received: it is part of what is signed. */
  protectedBytes: Uint8Array
  protectedHeader: Map<unknown, unknown>
  payload: Uint8Array
  signature: Uint8Array
}

/** COSE algorithm identifier of ES384 (ECDSA P-384 with SHA-384). */
export const COSE_ALG_ES384 = -35
const COSE_SIGN1_TAG = 18

const MAX_DEPTH = 16

/**
 * Checks that `bytes` is exactly one well-formed CBOR item built from plain types only:
 * integers, byte and text strings, arrays, maps, simple values and floats, all of definite
 * length, at most 16 deep, with no tags (except `allowedTopTag` on the outermost item). An
 * attestation is decoded before its signature is checked, so the decoder sees attacker
 * bytes; refusing tags keeps cbor-x's extensions (records, shared references, packed
 * values, object construction) out of reach, and refusing indefinite lengths keeps one
 * canonical reading.
 */
export function assertPlainCbor(bytes: Uint8Array, allowedTopTag?: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let pos = 0
  const fail = (reason: string): never => {
    throw new MalformedDocumentError({ reason: `CBOR ${reason} at byte ${pos}` })
  }
  const need = (n: number): void => {
    if (n > bytes.length - pos) fail('runs past the end')
  }
  const argument = (info: number): number => {
    if (info < 24) return info
    if (info > 27) return fail(info === 31 ? 'indefinite length' : 'reserved additional information')
    const size = 1 << (info - 24) // 1, 2, 4 or 8 bytes follow
    need(size)
    const at = pos
    pos += size
    if (size === 1) return view.getUint8(at)
    if (size === 2) return view.getUint16(at)
    if (size === 4) return view.getUint32(at)
    // Lengths beyond 2^53 are capped; they fail the bounds checks either way.
    const value = view.getBigUint64(at)
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value)
  }
  const item = (depth: number, tagAllowed: number | undefined): void => {
    if (depth > MAX_DEPTH) fail('nesting too deep')
    need(1)
    const initial = bytes[pos++]
    const major = initial >> 5
    const info = initial & 0x1f
    if (major === 7) {
      // Simple values and floats; their argument is the value itself.
      if (info === 31) fail('break outside an indefinite item')
      if (info >= 28) fail('reserved additional information')
      argument(info)
      return
    }
    const value = argument(info)
    switch (major) {
      case 0:
      case 1:
        return
      case 2:
      case 3:
        need(value)
        pos += value
        return
      case 4:
      case 5: {
        const count = major === 4 ? value : value * 2
        // Every item takes at least one byte: a count beyond the bytes left is a lie.
        if (count > bytes.length - pos) fail('has more items than bytes')
        for (let i = 0; i < count; i++) item(depth + 1, undefined)
        return
      }
      case 6:
        if (tagAllowed === undefined || value !== tagAllowed) fail(`tag ${value} is not allowed`)
        item(depth + 1, undefined)
        return
    }
  }
  item(0, allowedTopTag)
  if (pos !== bytes.length) fail('has trailing bytes')
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array
}

/** Decodes a COSE_Sign1 structure; throws MalformedDocumentError on anything else. */
export function decodeCoseSign1(bytes: Uint8Array): CoseSign1 {
  assertPlainCbor(bytes, COSE_SIGN1_TAG)
  let decoded: unknown
  try {
    decoded = cborDecoder.decode(bytes)
  } catch (cause) {
    throw new MalformedDocumentError({ reason: 'not CBOR', cause })
  }
  if (decoded && typeof decoded === 'object' && 'tag' in decoded && 'value' in decoded) {
    if ((decoded as { tag: unknown }).tag !== COSE_SIGN1_TAG) throw new MalformedDocumentError({ reason: 'unexpected CBOR tag' })
    decoded = (decoded as { value: unknown }).value
  }
  if (!Array.isArray(decoded) || decoded.length !== 4) throw new MalformedDocumentError({ reason: 'not a COSE_Sign1 array' })
  const [protectedBytes, unprotected, payload, signature] = decoded
  if (!isBytes(protectedBytes) || !isBytes(payload) || !isBytes(signature)) {
    throw new MalformedDocumentError({ reason: 'COSE_Sign1 fields have the wrong types' })
  }
  // Unprotected headers are not signed, so we read nothing from them; AWS sends an empty map.
  if (unprotected !== null && !(unprotected instanceof Map)) {
    throw new MalformedDocumentError({ reason: 'COSE_Sign1 unprotected header is not a map' })
  }
  assertPlainCbor(protectedBytes.length === 0 ? new Uint8Array([0xa0]) : protectedBytes)
  let protectedHeader: unknown
  try {
    protectedHeader = protectedBytes.length === 0 ? new Map() : cborDecoder.decode(protectedBytes)
  } catch (cause) {
    throw new MalformedDocumentError({ reason: 'protected header is not CBOR', cause })
  }
  if (!(protectedHeader instanceof Map)) throw new MalformedDocumentError({ reason: 'protected header is not a map' })
  return { protectedBytes, protectedHeader, payload, signature }
}

/** CBOR head of a byte string (major type 2) of `length` bytes. */
function byteStringHead(length: number): Uint8Array {
  if (length < 24) return new Uint8Array([0x40 | length])
  if (length < 0x100) return new Uint8Array([0x58, length])
  if (length < 0x10000) return new Uint8Array([0x59, length >> 8, length & 0xff])
  const head = new Uint8Array(5)
  head[0] = 0x5a
  new DataView(head.buffer).setUint32(1, length)
  return head
}

/** CBOR byte string: head then content. */
export function cborByteString(content: Uint8Array): Uint8Array {
  return concatBytes(byteStringHead(content.length), content)
}

// 0x84: array of 4; 0x6a "Signature1": text string of 10 bytes.
const SIG1_PREFIX = new Uint8Array([0x84, 0x6a, ...new TextEncoder().encode('Signature1')])
const EMPTY_BYTE_STRING = new Uint8Array([0x40])

/** The bytes a COSE_Sign1 signature covers: ["Signature1", protected, h'' (no external aad), payload]. */
export function sign1SigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return concatBytes(SIG1_PREFIX, cborByteString(protectedBytes), EMPTY_BYTE_STRING, cborByteString(payload))
}
