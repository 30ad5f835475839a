/**
 * Readers for RLP fields with the canonical rules haca adds on top of RLP: integers have no
 * leading zero byte, fixed-size fields have their exact size, text is strict UTF-8. Each
 * failure is an `RlpFieldError` that says which field; the ledger turns it into its own
 * malformed-transaction error, protocol decoders into theirs.
 */
import type { NestedUint8Array } from '@ethereumjs/rlp'
import { bytesToBigint, toHex } from './bytes.ts'
import { BaseError } from './errors.ts'
import type { Address } from './keys.ts'

export type RlpItem = Uint8Array | NestedUint8Array

export class RlpFieldError extends BaseError {
  override name = 'RlpFieldError' as const
  constructor(message: string) {
    super(message, { code: 'malformed_rlp_field' })
  }
}

// ignoreBOM: a decoder that swallowed a leading byte-order mark would give two byte strings one text,
// and so two encodings of one signed message.
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export function readBytes(item: RlpItem | undefined, field: string, size?: number): Uint8Array {
  if (!(item instanceof Uint8Array)) throw new RlpFieldError(`${field}: expected a byte string, got ${item === undefined ? 'nothing' : 'a list'}`)
  if (size !== undefined && item.length !== size) throw new RlpFieldError(`${field}: expected ${size} bytes, got ${item.length}`)
  return item
}

export function readUint(item: RlpItem | undefined, field: string, maxBytes = 32): bigint {
  const b = readBytes(item, field)
  if (b.length > maxBytes) throw new RlpFieldError(`${field}: integer longer than ${maxBytes} bytes`)
  if (b.length > 0 && b[0] === 0) throw new RlpFieldError(`${field}: integer has a leading zero byte (not canonical)`)
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
  if (b.length > maxBytes) throw new RlpFieldError(`${field}: longer than ${maxBytes} bytes`)
  let text: string
  try {
    text = STRICT_UTF8.decode(b)
  } catch {
    throw new RlpFieldError(`${field}: not valid UTF-8`)
  }
  return text
}

export function readList(item: RlpItem | undefined, field: string, length?: number): RlpItem[] {
  if (!Array.isArray(item)) throw new RlpFieldError(`${field}: expected a list`)
  if (length !== undefined && item.length !== length) throw new RlpFieldError(`${field}: expected ${length} items, got ${item.length}`)
  return item
}
