/**
 * Readers for RLP fields with the canonical rules haca adds on top of RLP: integers have no
 * leading zero byte, fixed-size fields have their exact size. Each failure says which field.
 */
import type { NestedUint8Array } from '@ethereumjs/rlp'
import { bytesToBigint, toHex } from '../../core/bytes.ts'
import type { Address } from '../../core/keys.ts'
import { ErrMalformedTx } from './errors.ts'

export type RlpItem = Uint8Array | NestedUint8Array

// ignoreBOM: a decoder that swallowed a leading byte-order mark would give two byte strings one text,
// and so two encodings of one signed message.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export function readBytes(item: RlpItem | undefined, field: string, size?: number): Uint8Array {
  if (!(item instanceof Uint8Array)) throw new ErrMalformedTx(`${field}: expected a byte string, got ${item === undefined ? 'nothing' : 'a list'}`)
  if (size !== undefined && item.length !== size) throw new ErrMalformedTx(`${field}: expected ${size} bytes, got ${item.length}`)
  return item
}

export function readUint(item: RlpItem | undefined, field: string, maxBytes = 32): bigint {
  const b = readBytes(item, field)
  if (b.length > maxBytes) throw new ErrMalformedTx(`${field}: integer longer than ${maxBytes} bytes`)
  if (b.length > 0 && b[0] === 0) throw new ErrMalformedTx(`${field}: integer has a leading zero byte (not canonical)`)
  return bytesToBigint(b)
}

export function readSmallUint(item: RlpItem | undefined, field: string): number {
  return Number(readUint(item, field, 6))
}

export function readAddress(item: RlpItem | undefined, field: string): Address {
  return toHex(readBytes(item, field, 20))
}

export function readString(item: RlpItem | undefined, field: string, maxBytes: number): string {
  const b = readBytes(item, field)
  if (b.length > maxBytes) throw new ErrMalformedTx(`${field}: longer than ${maxBytes} bytes`)
  let text: string
  try {
    text = STRICT_UTF8.decode(b)
  } catch {
    throw new ErrMalformedTx(`${field}: not valid UTF-8`)
  }
  return text
}

export function readList(item: RlpItem | undefined, field: string, length?: number): RlpItem[] {
  if (!Array.isArray(item)) throw new ErrMalformedTx(`${field}: expected a list`)
  if (length !== undefined && item.length !== length) throw new ErrMalformedTx(`${field}: expected ${length} items, got ${item.length}`)
  return item
}
