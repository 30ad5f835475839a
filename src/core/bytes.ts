/**
 * Hex and integer helpers shared by every node. Hex strings are lower case with a `0x` prefix.
 * The primitives that Node does fastest with Buffer live in bytesPlatform.ts (browser bundles
 * get bytesPlatform.browser.ts instead, through package.json's `browser` field).
 */
import { BaseError } from './errors.ts'
import { decodeHexDigits, toHex } from './bytesPlatform.ts'

export { allocUnsafeBytes, concatBytes, equalBytes, fromBase64Lenient, latin1String, toBase64, toHex } from './bytesPlatform.ts'

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

export function fromHex(value: string, expectedBytes?: number): Uint8Array {
  if (typeof value !== 'string') throw new InvalidHexError({ value: String(value), expectedBytes })
  const body = value.startsWith('0x') ? value.slice(2) : value
  const length = body.length >>> 1
  if (body.length % 2 !== 0 || (expectedBytes !== undefined && length !== expectedBytes)) throw new InvalidHexError({ value, expectedBytes })
  const bytes = decodeHexDigits(body, length)
  if (bytes === undefined) throw new InvalidHexError({ value, expectedBytes })
  return bytes
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
  return fromHex(hex)
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
