/**
 * A strict, zero-copy RLP decoder. Byte strings come back as views into the input (no copy),
 * which is what lets the ledger read a settlement batch of thousands of receipts in one pass;
 * callers must not write into them.
 *
 * Strict means one encoding per value: a single byte below 0x80 must be itself, the long
 * forms are only for lengths above 55 and their length bytes have no leading zero, and the
 * input must be exactly one item. With these rules, re-encoding a decoded value gives back the
 * input bytes (checked against @ethereumjs/rlp in rlp.test.ts), so decoders built on this need
 * no re-encode-and-compare step.
 */
import type { Slab } from './bytes.ts'
import { BaseError } from './errors.ts'

export type RlpValue = Uint8Array | RlpValue[]

/** Deeper nesting than any haca message uses; bounded so hostile input cannot exhaust the stack. */
export const MAX_RLP_DEPTH = 32

export class RlpError extends BaseError {
  override name = 'RlpError' as const
  constructor(reason: string) {
    super(`invalid RLP: ${reason}`, { code: 'invalid_rlp' })
  }
}

/** Reads a big-endian length of `n` bytes at `pos`; refuses leading zeros and lengths that fit the short form. */
function longLength(input: Uint8Array, pos: number, n: number, end: number): number {
  if (pos + n > end) throw new RlpError(`length of ${n} bytes runs past the end at byte ${pos}`)
  if (input[pos] === 0) throw new RlpError(`length at byte ${pos} has a leading zero`)
  if (n > 6) throw new RlpError(`length of ${n} bytes at byte ${pos} is larger than any input`)
  let length = 0
  for (let i = 0; i < n; i++) length = length * 256 + input[pos + i]
  if (length <= 55) throw new RlpError(`length ${length} at byte ${pos} must use the short form`)
  return length
}

/** What `readHeader` found: the item's payload and whether it is a list (one object, reused: no allocation per item). */
const header = { list: false, start: 0, length: 0 }

/** Reads the header of the item at `pos` (which must end by `end`) into `header`, with every strictness rule. */
function readHeader(input: Uint8Array, pos: number, end: number): void {
  if (pos >= end) throw new RlpError(`an item is missing at byte ${pos}`)
  const prefix = input[pos]
  if (prefix < 0x80) {
    header.list = false
    header.start = pos
    header.length = 1
    return
  }
  let start: number
  let length: number
  const list = prefix >= 0xc0
  if (prefix <= 0xb7 || (list && prefix <= 0xf7)) {
    start = pos + 1
    length = prefix - (list ? 0xc0 : 0x80)
    if (!list && length === 1 && start < end && input[start] < 0x80) throw new RlpError(`single byte below 0x80 at byte ${pos} must not have a prefix`)
  } else {
    const n = prefix - (list ? 0xf7 : 0xb7)
    length = longLength(input, pos + 1, n, end)
    start = pos + 1 + n
  }
  if (start + length > end) throw new RlpError(`${list ? 'list' : 'byte string'} at byte ${pos} runs past the end`)
  header.list = list
  header.start = start
  header.length = length
}

function decodeAt(input: Uint8Array, pos: number, end: number, depth: number): [RlpValue, number] {
  readHeader(input, pos, end)
  const { list, start, length } = header
  if (!list) return [input.subarray(start, start + length), start + length]
  if (depth >= MAX_RLP_DEPTH) throw new RlpError(`lists nested deeper than ${MAX_RLP_DEPTH}`)
  const listEnd = start + length
  const items: RlpValue[] = []
  let at = start
  while (at < listEnd) {
    const [item, next] = decodeAt(input, at, listEnd, depth + 1)
    items.push(item)
    at = next
  }
  return [items, listEnd]
}

/**
 * Where each byte string of a flat list lies, by the rules of {@link decodeRlp}: item i runs
 * from `out[2i]` to `out[2i + 1]`. The list must be the whole input and hold exactly
 * `out.length / 2` byte strings (a nested list is refused). Allocates nothing: for reading
 * thousands of records of one shape (the receipts of a settlement batch).
 */
export function rlpListOffsets(input: Uint8Array, out: Int32Array): void {
  readHeader(input, 0, input.length)
  if (!header.list) throw new RlpError('expected a list, found a byte string')
  const listEnd = header.start + header.length
  if (listEnd !== input.length) throw new RlpError(`${input.length - listEnd} bytes after the item`)
  const count = out.length >> 1
  let at = header.start
  for (let i = 0; i < count; i++) {
    if (at >= listEnd) throw new RlpError(`expected ${count} items, found ${i}`)
    readHeader(input, at, listEnd)
    if (header.list) throw new RlpError(`item ${i} is a list, expected a byte string`)
    out[2 * i] = header.start
    at = out[2 * i + 1] = header.start + header.length
  }
  if (at !== listEnd) throw new RlpError(`expected ${count} items, found more`)
}

/**
 * The prefix of a byte string (`offset` 0x80) or list (0xc0) whose payload is `length` bytes,
 * for hashing an encoding piece by piece. (A single byte below 0x80 has no prefix at all; that
 * case is the caller's.)
 */
export function encodeRlpHeader(offset: 0x80 | 0xc0, length: number): Uint8Array {
  if (length <= 55) return Uint8Array.of(offset + length)
  const bytes: number[] = []
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256)
  return Uint8Array.of(offset + 55 + bytes.length, ...bytes)
}

/** Decodes exactly one RLP item that spans all of `input`; throws {@link RlpError}. */
export function decodeRlp(input: Uint8Array): RlpValue {
  const [value, end] = decodeAt(input, 0, input.length, 0)
  if (end !== input.length) throw new RlpError(`${input.length - end} bytes after the item`)
  return value
}

/** Bytes of the header of a byte string or list whose payload is `length` bytes (a single byte below 0x80 has none: the caller's case). */
export function rlpHeaderLength(length: number): number {
  if (length <= 55) return 1
  let n = 1
  while (length >= 256 ** n) n++
  return 1 + n
}

/** Encoded sizes of `value` and of every list inside it, in the order `write` visits them. */
function measure(value: RlpValue, listPayloads: number[]): number {
  if (value instanceof Uint8Array) return value.length === 1 && value[0] < 0x80 ? 1 : rlpHeaderLength(value.length) + value.length
  const slot = listPayloads.length
  listPayloads.push(0)
  let payload = 0
  for (const item of value) payload += measure(item, listPayloads)
  listPayloads[slot] = payload
  return rlpHeaderLength(payload) + payload
}

/** Writes the header of a byte string (0x80) or list (0xc0) of `length` bytes at `at`; returns where its payload starts. */
export function writeRlpHeader(out: Uint8Array, at: number, offset: 0x80 | 0xc0, length: number): number {
  if (length <= 55) {
    out[at] = offset + length
    return at + 1
  }
  const n = rlpHeaderLength(length) - 1
  out[at] = offset + 55 + n
  for (let i = n; i >= 1; i--, length = Math.floor(length / 256)) out[at + i] = length % 256
  return at + 1 + n
}

function write(value: RlpValue, out: Uint8Array, at: number, listPayloads: number[], next: { list: number }): number {
  if (value instanceof Uint8Array) {
    if (value.length === 1 && value[0] < 0x80) {
      out[at] = value[0]
      return at + 1
    }
    at = writeRlpHeader(out, at, 0x80, value.length)
    out.set(value, at)
    return at + value.length
  }
  at = writeRlpHeader(out, at, 0xc0, listPayloads[next.list++])
  for (const item of value) at = write(item, out, at, listPayloads, next)
  return at
}

/**
 * Encodes into one buffer sized up front (a settlement batch is one allocation, not a copy per
 * nesting level); byte for byte what @ethereumjs/rlp's `encode` gives (rlp.test.ts).
 */
export function encodeRlp(value: RlpValue, slab?: Slab): Uint8Array {
  const listPayloads: number[] = []
  const length = measure(value, listPayloads)
  const out = slab ? slab.take(length) : new Uint8Array(length)
  write(value, out, 0, listPayloads, { list: 0 })
  return out
}
