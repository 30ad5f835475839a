/**
 * bytesPlatform.ts for browsers: the same functions without Buffer. package.json's `browser`
 * field puts this file in place of bytesPlatform.ts in browser bundles.
 */

const HEX_DIGITS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

export function toHex(bytes: Uint8Array): `0x${string}` {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += HEX_DIGITS[bytes[i]]
  return `0x${out}`
}

/** The bytes as a string of one character each (a compact map key). */
export function latin1String(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i])
  return out
}

/** A Uint8Array of `length` bytes (zeroed here; callers write every byte anyway). */
export function allocUnsafeBytes(length: number): Uint8Array {
  return new Uint8Array(length)
}

/** The value of one hex digit's character code, or -1. */
function nibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48
  if (code >= 97 && code <= 102) return code - 87
  if (code >= 65 && code <= 70) return code - 55
  return -1
}

/** `length` bytes from `2 · length` hex digits (no prefix), or undefined when a pair is not hex. */
export function decodeHexDigits(digits: string, length: number): Uint8Array | undefined {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) {
    const hi = nibble(digits.charCodeAt(2 * i))
    const lo = nibble(digits.charCodeAt(2 * i + 1))
    if (hi < 0 || lo < 0) return undefined
    out[i] = hi * 16 + lo
  }
  return out
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** base64 (standard alphabet, padded) of the bytes. */
export function toBase64(bytes: Uint8Array): string {
  let latin1 = ''
  // In slices: String.fromCharCode takes its arguments on the stack.
  for (let i = 0; i < bytes.length; i += 0x8000) latin1 += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(latin1)
}

/** The bytes of base64 text, or undefined when atob refuses it (callers re-encode and compare too). */
export function fromBase64Lenient(text: string): Uint8Array | undefined {
  let latin1: string
  try {
    latin1 = atob(text)
  } catch {
    return undefined
  }
  const out = new Uint8Array(latin1.length)
  for (let i = 0; i < latin1.length; i++) out[i] = latin1.charCodeAt(i)
  return out
}
