/**
 * Just enough protobuf (proto3 wire format) to write and read ONNX files without a
 * generated codec: varints, length-delimited fields and little-endian floats. ONNX models
 * are plain protobuf, so a hundred lines here saves a dependency on a protobuf runtime and
 * the onnx.proto schema.
 */
import { BaseError } from '../core/errors.ts'

export class ProtobufDecodeError extends BaseError {
  override name = 'ProtobufDecodeError' as const
  constructor({ reason, offset }: { reason: string; offset: number }) {
    super(`malformed protobuf at byte ${offset}: ${reason}`, { code: 'protobuf_decode' })
  }
}

const WIRE_VARINT = 0
const WIRE_I64 = 1
const WIRE_LEN = 2
const WIRE_I32 = 5

/** Appends protobuf fields to a growing list of byte chunks. */
export class ProtoWriter {
  private readonly parts: Uint8Array[] = []

  private varint(value: bigint): void {
    // Negative int64 values are encoded as their 64-bit two's complement (10 bytes).
    let v = value < 0n ? (1n << 64n) + value : value
    const out: number[] = []
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80)
      v >>= 7n
    }
    out.push(Number(v))
    this.parts.push(Uint8Array.from(out))
  }

  private tag(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire))
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT)
    this.varint(BigInt(value))
    return this
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN)
    this.varint(BigInt(value.length))
    this.parts.push(value)
    return this
  }

  /** Writes a precomputed field key followed by fixed-width bytes (fixed32/fixed64 fields). */
  bytesRaw(key: number, value: Uint8Array): this {
    this.varint(BigInt(key))
    this.parts.push(value)
    return this
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value))
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter()
    build(inner)
    return this.bytes(field, inner.finish())
  }

  /** A packed repeated int64 field. */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter()
    for (const v of values) inner.varint(BigInt(v))
    return this.bytes(field, inner.finish())
  }

  finish(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.parts))
  }
}

/** One decoded field: varints as bigint, length-delimited fields as a byte view. */
export type ProtoField =
  | { field: number; wire: 0; value: bigint }
  | { field: number; wire: 2; value: Uint8Array }
  | { field: number; wire: 1 | 5; value: Uint8Array }

/** Decodes the top-level fields of one message. Throws ProtobufDecodeError on bad input. */
export function decodeFields(buf: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = []
  let pos = 0
  const readVarint = (): bigint => {
    let result = 0n
    let shift = 0n
    for (;;) {
      if (pos >= buf.length) throw new ProtobufDecodeError({ reason: 'truncated varint', offset: pos })
      const b = buf[pos++]
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return result
      shift += 7n
      if (shift > 63n) throw new ProtobufDecodeError({ reason: 'varint longer than 10 bytes', offset: pos })
    }
  }
  while (pos < buf.length) {
    const start = pos
    const key = readVarint()
    const field = Number(key >> 3n)
    const wire = Number(key & 7n)
    if (field === 0) throw new ProtobufDecodeError({ reason: 'field number 0', offset: start })
    if (wire === WIRE_VARINT) {
      fields.push({ field, wire: 0, value: readVarint() })
    } else if (wire === WIRE_LEN) {
      const len = Number(readVarint())
      if (pos + len > buf.length) throw new ProtobufDecodeError({ reason: `field ${field} runs past the end`, offset: start })
      fields.push({ field, wire: 2, value: buf.subarray(pos, pos + len) })
      pos += len
    } else if (wire === WIRE_I64 || wire === WIRE_I32) {
      const len = wire === WIRE_I64 ? 8 : 4
      if (pos + len > buf.length) throw new ProtobufDecodeError({ reason: `field ${field} runs past the end`, offset: start })
      fields.push({ field, wire, value: buf.subarray(pos, pos + len) })
      pos += len
    } else {
      throw new ProtobufDecodeError({ reason: `unsupported wire type ${wire}`, offset: start })
    }
  }
  return fields
}

/** Reads an int64 that fits a JS number (dims, versions); larger values are a decode error. */
export function toSafeNumber(value: bigint, offset = 0): number {
  const signed = value >= 1n << 63n ? value - (1n << 64n) : value
  if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new ProtobufDecodeError({ reason: `integer ${signed} out of range`, offset })
  }
  return Number(signed)
}

/** Decodes a packed repeated varint field (or a single unpacked varint). */
export function decodePackedInts(f: ProtoField): bigint[] {
  if (f.wire === 0) return [f.value]
  if (f.wire !== 2) throw new ProtobufDecodeError({ reason: `field ${f.field} is not an integer list`, offset: 0 })
  const out: bigint[] = []
  const buf = f.value
  let pos = 0
  while (pos < buf.length) {
    let result = 0n
    let shift = 0n
    for (;;) {
      if (pos >= buf.length) throw new ProtobufDecodeError({ reason: 'truncated packed varint', offset: pos })
      const b = buf[pos++]
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) break
      shift += 7n
    }
    out.push(result)
  }
  return out
}

export function decodeString(f: ProtoField): string {
  if (f.wire !== 2) throw new ProtobufDecodeError({ reason: `field ${f.field} is not a string`, offset: 0 })
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(f.value)
  } catch {
    throw new ProtobufDecodeError({ reason: `field ${f.field} is not valid UTF-8`, offset: 0 })
  }
}
