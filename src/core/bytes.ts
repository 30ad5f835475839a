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

export function toHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`
}

export function fromHex(value: string, expectedBytes?: number): Uint8Array {
  if (typeof value !== 'string') throw new InvalidHexError({ value: String(value), expectedBytes })
  const body = value.startsWith('0x') ? value.slice(2) : value
  // Buffer's hex decoder stops at the first pair that is not hex: a short write is the
  // validation (a regular expression per call cost more than the decoding). Written straight
  // into the result: no copy, no slice of Buffer's shared pool.
  const out = new Uint8Array(body.length >>> 1)
  const written = Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(body, 'hex')
  if (body.length % 2 !== 0 || written !== out.length || (expectedBytes !== undefined && out.length !== expectedBytes)) throw new InvalidHexError({ value, expectedBytes })
  return out
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
  return BigInt(`0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`)
}
