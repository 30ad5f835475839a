/** ONNX tensor element types (TensorProto.DataType in onnx.proto) and their names as onnxruntime spells them. */
export const ONNX_ELEMENT_TYPES = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
  complex64: 14,
  complex128: 15,
  bfloat16: 16,
  float8e4m3fn: 17,
  float8e4m3fnuz: 18,
  float8e5m2: 19,
  float8e5m2fnuz: 20,
  uint4: 21,
  int4: 22,
  float4e2m1: 23,
} as const

export type OnnxElementType = keyof typeof ONNX_ELEMENT_TYPES

const BY_CODE = new Map<number, OnnxElementType>(
  Object.entries(ONNX_ELEMENT_TYPES).map(([name, code]) => [code, name as OnnxElementType]),
)

/** The name of an element type code, or `unknown(N)` for codes newer than this table. */
export function elementTypeName(code: number): OnnxElementType | `unknown(${number})` {
  return BY_CODE.get(code) ?? `unknown(${code})`
}

/** One dimension: a fixed size, a symbolic name (e.g. a batch dimension `N`), or unknown (null). */
export type OnnxDim = number | string | null

/** A model input or output as a caller needs it to build tensors. */
export type OnnxValueInfo = {
  name: string
  /** `float32`, `int64`, ... as onnxruntime names them; `unknown(N)` for unlisted codes; `non-tensor` for sequences and maps. */
  elementType: OnnxElementType | `unknown(${number})` | 'non-tensor'
  /** null when the model declares no shape (any rank). */
  shape: OnnxDim[] | null
}

/** The input/output signature of an ONNX model: what the ledger records as a model's io schema. */
export type OnnxIoSchema = {
  inputs: OnnxValueInfo[]
  outputs: OnnxValueInfo[]
}
