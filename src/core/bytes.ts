/** Hex and integer helpers shared by every node. Hex strings are lower case with a `0x` prefix. */
import { BaseError } from './errors.ts'

export class InvalidHexError extends BaseError {
  override name = 'InvalidHexError' as const
  constructor({ value, expectedBytes }: { value: string; expectedBytes?: number }) {
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value
    super(
      expectedBytes === undefined
        ? `"${shown}" is not a hex string`
        : `"${shown}" is not a hex string of ${expectedBytes} bytes`,
      { code: 'invalid_hex' },
    )
  }
}

export type Hex = `0x${string}`

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

export function toHex(bytes: Uint8Array): Hex {
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

export function fromHex(value: string, expectedBytes?: number): Uint8Array {
  if (typeof value !== 'string') throw new InvalidHexError({ value: String(value), expectedBytes })
  const body = value.startsWith('0x') ? value.slice(2) : value
  // Buffer's hex decoder stops at the first pair that is not hex: a short write is the
  // validation (a regular expression per call cost more than the decoding).
  const length = body.length >>> 1
  if (body.length % 2 !== 0 || (expectedBytes !== undefined && length !== expectedBytes)) throw new InvalidHexError({ value, expectedBytes })
  const buf = Buffer.allocUnsafe(length)
  if (buf.write(body, 'hex') !== length) throw new InvalidHexError({ value, expectedBytes })
  return new Uint8Array(buf.buffer, buf.byteOffset, length)
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  return Buffer.compare(a, b) === 0
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts))
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

/** Minimal big-endian bytes of a non-negative integer (zero is the empty array), as RLP wants. */
export function bigintToBytes(value: bigint): Uint8Array {
  if (value < 0n) throw new RangeError('negative integers have no byte encoding here')
  if (value === 0n) return new Uint8Array(0)
  // Counts, heights and prices fit in 6 bytes: no hex string in between (settlement writes several per receipt).
  if (value < 0x1000000000000n) {
    let n = Number(value)
    let length = 0
    for (let m = n; m > 0; m = Math.floor(m / 256)) length++
    const out = new Uint8Array(length)
    for (let i = length - 1; i >= 0; i--) {
      out[i] = n % 256
      n = Math.floor(n / 256)
    }
    return out
  }
  let hex = value.toString(16)
  if (hex.length % 2) hex = `0${hex}`
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

export function bytesToBigint(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n
  // Prices, nonces and timestamps fit in 6 bytes: exact in a double, no hex string in between.
  if (bytes.length <= 6) {
    let n = 0
    for (let i = 0; i < bytes.length; i++) n = n * 256 + bytes[i]
    return BigInt(n)
  }
  return BigInt(toHex(bytes))
}

/**
 * Hands out views of large chunks. V8 gives a typed array over 64 bytes its own off-heap
 * memory (about 0.5 µs each, plus work for the collector): code that makes thousands of small
 * arrays at once (settlement's index entries) takes them from one slab instead. A view keeps
 * its whole chunk alive, so a slab is for arrays that are dropped together.
 */
export class Slab {
  private chunk: Uint8Array
  private used = 0

  constructor(private readonly chunkBytes = 64 * 1024) {
    this.chunk = new Uint8Array(chunkBytes)
  }

  take(length: number): Uint8Array {
    if (length > this.chunk.length - this.used) {
      this.chunk = new Uint8Array(Math.max(this.chunkBytes, length))
      this.used = 0
    }
    const out = this.chunk.subarray(this.used, this.used + length)
    this.used += length
    return out
  }
}
