/**
 * Tensors as JSON, the shape `POST /v1/infer` takes and returns: `{ dims, type, data }` with
 * `data` flat in row-major order. int64/uint64 values travel as decimal strings (JSON numbers
 * lose precision past 2^53); numbers are accepted on input when they are safe integers.
 *
 * On input, `data` may instead be one string: the base64 (standard alphabet, padded) of the
 * values' little-endian bytes, row-major, as a typed array holds them (bool: one byte, 0 or 1).
 * A 3,072-pixel image is then 16 KB of base64 instead of 58 KB of decimals, and the node reads
 * it in microseconds instead of the ~0.5 ms JSON numbers cost to parse and hash.
 */
import { fromBase64Lenient, toBase64 } from '../core/bytes.ts'
import { ErrorCode } from './errorCodes.ts'
import { ProtocolError } from './errors.ts'

export const TENSOR_TYPES = ['float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool'] as const
export type TensorType = (typeof TENSOR_TYPES)[number]

export type TensorJson = { dims: number[]; type: TensorType; data: (number | string | boolean)[] }
/** An input tensor whose `data` is base64 of its little-endian bytes (see `base64Tensor`). */
export type Base64TensorJson = { dims: number[]; type: TensorType; data: string }
/** What `POST /v1/infer` takes per input: values as JSON, or their bytes as base64. */
export type TensorInput = TensorJson | Base64TensorJson

/** Bytes per value of each type, as onnxruntime and typed arrays hold them. */
export const TENSOR_TYPE_BYTES: Record<TensorType, number> = {
  float32: 4, float64: 8, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8, bool: 1,
}

/** A request's input that does not fit the model; `input` names which, `reason` says how. */
export class InvalidTensorError extends ProtocolError {
  override name = 'InvalidTensorError' as const
  readonly input: string
  constructor({ input, reason }: { input: string; reason: string }) {
    super(`input "${input}": ${reason}`, { code: ErrorCode.invalidTensor })
    this.input = input
  }
}

export type TypedArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array

/**
 * A model's input as it declares it (the shape of onnx/types.ts's `OnnxValueInfo`, which the
 * protocol cannot import): element type as onnxruntime names it, and a null shape for any rank.
 */
export type DeclaredInput = { name: string; elementType: string; shape: Array<number | string | null> | null }

/** Checks names, types, ranks, fixed dimensions and sizes against the model's declared inputs. */
export function checkInputs(inputs: Record<string, TensorInput>, declared: readonly DeclaredInput[]): void {
  const names = new Set(declared.map((d) => d.name))
  for (const name of Object.keys(inputs)) {
    if (!names.has(name)) throw new InvalidTensorError({ input: name, reason: `the model has no such input (it takes ${[...names].map((n) => `"${n}"`).join(', ')})` })
  }
  for (const d of declared) {
    const t = inputs[d.name]
    if (t === undefined) throw new InvalidTensorError({ input: d.name, reason: 'missing' })
    if (t.type !== d.elementType) throw new InvalidTensorError({ input: d.name, reason: `type ${t.type}, the model wants ${d.elementType}` })
    if (d.shape !== null) {
      if (t.dims.length !== d.shape.length) throw new InvalidTensorError({ input: d.name, reason: `rank ${t.dims.length} (dims [${t.dims}]), the model wants rank ${d.shape.length} ([${d.shape.map((s) => s ?? '?')}])` })
      d.shape.forEach((want, i) => {
        if (typeof want === 'number' && want >= 0 && t.dims[i] !== want) throw new InvalidTensorError({ input: d.name, reason: `dimension ${i} is ${t.dims[i]}, the model wants ${want}` })
      })
    }
    const size = t.dims.reduce((a, b) => a * b, 1)
    const count = valueCount(d.name, t)
    if (count !== size) throw new InvalidTensorError({ input: d.name, reason: `${count} values for dims [${t.dims}] (which hold ${size})` })
  }
}

/** How many values a tensor's data holds (for base64, from its length: nothing is decoded yet). */
function valueCount(name: string, t: TensorInput): number {
  if (typeof t.data !== 'string') return t.data.length
  const width = TENSOR_TYPE_BYTES[t.type]
  const bytes = base64Length(name, t.data)
  if (bytes % width !== 0) throw new InvalidTensorError({ input: name, reason: `data is ${bytes} bytes, not a whole number of ${t.type} values (${width} bytes each)` })
  return bytes / width
}

/** The decoded length of padded standard base64 (the characters themselves are checked when decoded). */
function base64Length(name: string, text: string): number {
  if (text.length % 4 !== 0) throw new InvalidTensorError({ input: name, reason: `data is not base64: its length ${text.length} is not a multiple of 4 (padded standard base64 expected)` })
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  return (text.length / 4) * 3 - padding
}

// How this machine's typed arrays hold values (node:os would say too, but protocol runs in browsers as well).
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1

/**
 * The values of a base64 tensor, in a typed array of their own. Strict: the text must be
 * exactly what encoding the decoded bytes gives back (no whitespace, no other alphabet, no
 * missing padding), so one tensor has one text and a malformed one is refused, never guessed at.
 */
function decodeBase64Data(name: string, t: Base64TensorJson): TypedArray {
  const width = TENSOR_TYPE_BYTES[t.type]
  const bytes = fromBase64Lenient(t.data)
  if (!bytes || bytes.length !== base64Length(name, t.data) || toBase64(bytes) !== t.data) {
    throw new InvalidTensorError({ input: name, reason: 'data is not base64 (standard alphabet A-Z a-z 0-9 + /, padded with =, nothing else)' })
  }
  if (!LITTLE_ENDIAN) swapEach(bytes, width)
  if (t.type === 'bool') {
    const bad = bytes.findIndex((b) => b > 1)
    if (bad >= 0) throw new InvalidTensorError({ input: name, reason: `data[${bad}] = ${bytes[bad]} is not a boolean (bool values are bytes 0 or 1)` })
  }
  const count = bytes.length / width
  // A copy, not a view: a decoder may place small results in a shared pool, at any offset.
  const out = newTypedArray(t.type, count)
  new Uint8Array(out.buffer, out.byteOffset, bytes.length).set(bytes)
  return out
}

/** Reverses each `width`-byte value in place: the wire is little-endian whatever the machine is. */
function swapEach(bytes: Uint8Array, width: number): void {
  if (width > 1) for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse()
}

function newTypedArray(type: TensorType, n: number): TypedArray {
  switch (type) {
    case 'float32': return new Float32Array(n)
    case 'float64': return new Float64Array(n)
    case 'int8': return new Int8Array(n)
    case 'uint8': case 'bool': return new Uint8Array(n)
    case 'int16': return new Int16Array(n)
    case 'uint16': return new Uint16Array(n)
    case 'int32': return new Int32Array(n)
    case 'uint32': return new Uint32Array(n)
    case 'int64': return new BigInt64Array(n)
    case 'uint64': return new BigUint64Array(n)
  }
}

/**
 * An input tensor with its values as base64 of their bytes (what a client with a typed array
 * should send: a fraction of the size, and far quicker for the node to read, than JSON numbers).
 *
 * @example
 * const input = base64Tensor({ type: 'float32', dims: [1, 3, 32, 32], data: pixels }) // pixels: Float32Array
 */
export function base64Tensor({ type, dims, data }: { type: TensorType; dims: number[]; data: TypedArray }): Base64TensorJson {
  const width = TENSOR_TYPE_BYTES[type]
  if (data.BYTES_PER_ELEMENT !== width) throw new InvalidTensorError({ input: '(base64Tensor)', reason: `a ${data.constructor.name} does not hold ${type} values (${width} bytes each)` })
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  if (LITTLE_ENDIAN) return { type, dims: [...dims], data: toBase64(bytes) }
  const copy = bytes.slice()
  swapEach(copy, width)
  return { type, dims: [...dims], data: toBase64(copy) }
}

/** Value ranges of the integer types: a value outside is refused, never wrapped by a typed array. */
const INT_RANGES: Partial<Record<TensorType, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
}
const BIGINT_RANGES: Partial<Record<TensorType, [bigint, bigint]>> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
}

type NumberArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array

/** Checks each value and writes it into `out` in one pass (no intermediate array: inputs can hold millions). */
function fillNumbers<T extends NumberArray>(name: string, t: TensorJson, out: T, integer: boolean): T {
  const range = INT_RANGES[t.type]
  const data = t.data
  for (let i = 0; i < data.length; i++) {
    const v = data[i]
    if (typeof v !== 'number' || (integer && !Number.isInteger(v))) throw new InvalidTensorError({ input: name, reason: `data[${i}] is not ${integer ? 'an integer' : 'a number'}` })
    if (range && (v < range[0] || v > range[1])) throw new InvalidTensorError({ input: name, reason: `data[${i}] = ${v} is outside the ${t.type} range [${range[0]}, ${range[1]}]` })
    out[i] = v
  }
  return out
}

function fillBigints<T extends BigInt64Array | BigUint64Array>(name: string, t: TensorJson, out: T): T {
  const range = BIGINT_RANGES[t.type]!
  t.data.forEach((v, i) => {
    let n: bigint | undefined
    if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) n = BigInt(v)
    else if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v)
    if (n === undefined) throw new InvalidTensorError({ input: name, reason: `data[${i}] is not an integer (int64 values are decimal strings or safe integers)` })
    if (n < range[0] || n > range[1]) throw new InvalidTensorError({ input: name, reason: `data[${i}] = ${n} is outside the ${t.type} range` })
    out[i] = n
  })
  return out
}

/** The typed array onnxruntime wants for one input tensor. */
export function toTypedData(name: string, input: TensorInput): TypedArray | boolean[] {
  if (typeof input.data === 'string') return decodeBase64Data(name, input as Base64TensorJson)
  const t = input as TensorJson
  if (t.type === 'bool') {
    return t.data.map((v, i) => {
      if (typeof v !== 'boolean') throw new InvalidTensorError({ input: name, reason: `data[${i}] is not a boolean` })
      return v
    })
  }
  const out = newTypedArray(t.type, t.data.length)
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) return fillBigints(name, t, out)
  return fillNumbers(name, t, out, t.type !== 'float32' && t.type !== 'float64')
}

/** A runtime output as JSON. */
export function fromTypedData(type: string, dims: readonly number[], data: unknown): TensorJson {
  let values: (number | string | boolean)[]
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) values = Array.from(data, (v) => v.toString())
  else if (ArrayBuffer.isView(data)) values = Array.from(data as unknown as ArrayLike<number>)
  else if (Array.isArray(data)) values = data as (number | string | boolean)[]
  else values = []
  if (type === 'bool') values = values.map((v) => Boolean(v))
  return { dims: [...dims], type: type as TensorType, data: values }
}
