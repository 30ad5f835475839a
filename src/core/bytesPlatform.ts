/**
 * The byte primitives of bytes.ts that Node does fastest with Buffer's native code. Browser
 * bundles get bytesPlatform.browser.ts in this file's place (package.json's `browser` field),
 * with the same functions in plain JavaScript.
 */

type SliceToString = (this: Uint8Array, start: number, end: number) => string
const bufferProto = Buffer.prototype as unknown as { hexSlice?: SliceToString; latin1Slice?: SliceToString }
/**
 * Buffer's own string makers, called on any Uint8Array. The obvious `Buffer.from(bytes.buffer,
 * …)` touches `.buffer`, which makes V8 move a small array (≤ 64 bytes, kept inside the JS heap)
 * to memory of its own first: 0.7 µs a call against 0.1, measured, and hashes and ids are
 * exactly such arrays.
 */
const hexSlice: SliceToString = bufferProto.hexSlice ?? function (this: Uint8Array, start, end) { return Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString('hex', start, end) }
const latin1Slice: SliceToString = bufferProto.latin1Slice ?? function (this: Uint8Array, start, end) { return Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString('latin1', start, end) }

export function toHex(bytes: Uint8Array): `0x${string}` {
  return `0x${hexSlice.call(bytes, 0, bytes.length)}`
}

/** The bytes as a string of one character each (a compact map key). */
export function latin1String(bytes: Uint8Array): string {
  return latin1Slice.call(bytes, 0, bytes.length)
}

/**
 * A plain Uint8Array of `length` bytes, from Buffer's shared pool when small: `new Uint8Array(n)`
 * over 64 bytes costs about 0.5 µs (memory of its own) where a pool slice costs 0.05. The
 * contents are not zeroed: for callers that write every byte.
 */
export function allocUnsafeBytes(length: number): Uint8Array {
  const b = Buffer.allocUnsafe(length)
  return new Uint8Array(b.buffer, b.byteOffset, length)
}

/**
 * `length` bytes from `2 · length` hex digits (no prefix), or undefined when a pair is not hex.
 * Buffer's hex decoder stops at the first pair that is not hex: a short write is the
 * validation (a regular expression per call cost more than the decoding).
 */
export function decodeHexDigits(digits: string, length: number): Uint8Array | undefined {
  const buf = Buffer.allocUnsafe(length)
  if (buf.write(digits, 'hex') !== length) return undefined
  return new Uint8Array(buf.buffer, buf.byteOffset, length)
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  return Buffer.compare(a, b) === 0
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts))
}

/** base64 (standard alphabet, padded) of the bytes. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/**
 * The bytes of base64 text as Buffer decodes it (it skips what is not base64): callers that
 * must refuse malformed text re-encode and compare. undefined where a platform refuses outright.
 */
export function fromBase64Lenient(text: string): Uint8Array | undefined {
  const b = Buffer.from(text, 'base64')
  return new Uint8Array(b.buffer, b.byteOffset, b.length)
}
