/**
 * Tensors as JSON, the shape `POST /v1/infer` takes and returns: `{ dims, type, data }` with
 * `data` flat in row-major order. int64/uint64 values travel as decimal strings (JSON numbers
 * lose precision past 2^53); numbers are accepted on input when they are safe integers.
 */
import { BaseError } from '../core/errors.ts'
import type { OnnxValueInfo } from '../onnx/types.ts'

export const TENSOR_TYPES = ['float32', 'float64', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'bool'] as const
export type TensorType = (typeof TENSOR_TYPES)[number]

export type TensorJson = { dims: number[]; type: TensorType; data: (number | string | boolean)[] }

/** A request's input that does not fit the model; `input` names which, `reason` says how. */
export class InvalidTensorError extends BaseError {
  override name = 'InvalidTensorError' as const
  readonly input: string
  constructor({ input, reason }: { input: string; reason: string }) {
    super(`input "${input}": ${reason}`, { code: 'invalid_tensor' })
    this.input = input
  }
}

export type TypedArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array

/** Checks names, types, ranks, fixed dimensions and sizes against the model's declared inputs. */
export function checkInputs(inputs: Record<string, TensorJson>, declared: OnnxValueInfo[]): void {
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
    if (t.data.length !== size) throw new InvalidTensorError({ input: d.name, reason: `${t.data.length} values for dims [${t.dims}] (which hold ${size})` })
  }
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

/** The typed array onnxruntime wants for one JSON tensor. */
export function toTypedData(name: string, t: TensorJson): TypedArray | boolean[] {
  const n = t.data.length
  switch (t.type) {
    case 'float32': return fillNumbers(name, t, new Float32Array(n), false)
    case 'float64': return fillNumbers(name, t, new Float64Array(n), false)
    case 'int8': return fillNumbers(name, t, new Int8Array(n), true)
    case 'uint8': return fillNumbers(name, t, new Uint8Array(n), true)
    case 'int16': return fillNumbers(name, t, new Int16Array(n), true)
    case 'uint16': return fillNumbers(name, t, new Uint16Array(n), true)
    case 'int32': return fillNumbers(name, t, new Int32Array(n), true)
    case 'uint32': return fillNumbers(name, t, new Uint32Array(n), true)
    case 'int64': return fillBigints(name, t, new BigInt64Array(n))
    case 'uint64': return fillBigints(name, t, new BigUint64Array(n))
    case 'bool': return t.data.map((v, i) => {
      if (typeof v !== 'boolean') throw new InvalidTensorError({ input: name, reason: `data[${i}] is not a boolean` })
      return v
    })
  }
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
