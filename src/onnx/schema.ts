/**
 * Reads an ONNX model's input and output signature (names, element types, shapes) straight
 * from its protobuf, without loading it into a runtime. Files are read by seeking: weight
 * tensors (graph initializers) are skipped, never read, so a multi-GB model costs a few
 * small reads.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { BaseError } from '../core/errors.ts'
import { decodeFields, decodeString, ProtobufDecodeError, toSafeNumber, type ProtoField } from './protobuf.ts'
import { elementTypeName, type OnnxDim, type OnnxIoSchema, type OnnxValueInfo } from '../protocol/onnxTypes.ts'

export class InvalidOnnxModelError extends BaseError {
  override name = 'InvalidOnnxModelError' as const
  constructor({ reason, source, cause }: { reason: string; source?: string; cause?: unknown }) {
    super(`${source ? `${source} is` : 'input is'} not a valid ONNX model: ${reason}`, { code: 'invalid_onnx_model', cause })
  }
}

/** Random access to the model bytes: a Buffer in memory or an open file. */
type ByteSource = { size: number; read(offset: number, length: number): Uint8Array }

// ModelProto / GraphProto field numbers from onnx.proto.
const MODEL_IR_VERSION = 1
const MODEL_GRAPH = 7
const MODEL_OPSET_IMPORT = 8
const GRAPH_INITIALIZER = 5
const GRAPH_INPUT = 11
const GRAPH_OUTPUT = 12
const TENSOR_NAME = 8
const TENSOR_DATA_LOCATION = 14
const DATA_LOCATION_EXTERNAL = 1n

/** Parsed ModelProto header: the fields we need, with the graph as a (start, length) span. */
type FieldSpan = { field: number; wire: number; start: number; length: number; varint?: bigint }

/** Walks the fields of the message in [start, end) reading only keys and lengths. */
function scanFields(src: ByteSource, start: number, end: number): FieldSpan[] {
  const spans: FieldSpan[] = []
  let pos = start
  const readVarint = (): bigint => {
    // A varint is at most 10 bytes; read a small window and decode from it.
    const window = src.read(pos, Math.min(10, end - pos))
    let result = 0n
    let shift = 0n
    for (let i = 0; i < window.length; i++) {
      const b = window[i]
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) {
        pos += i + 1
        return result
      }
      shift += 7n
    }
    throw new ProtobufDecodeError({ reason: 'truncated varint', offset: pos })
  }
  while (pos < end) {
    const keyAt = pos
    const key = readVarint()
    const field = Number(key >> 3n)
    const wire = Number(key & 7n)
    if (field === 0) throw new ProtobufDecodeError({ reason: 'field number 0', offset: keyAt })
    if (wire === 0) {
      spans.push({ field, wire, start: pos, length: 0, varint: readVarint() })
    } else if (wire === 2) {
      const len = toSafeNumber(readVarint(), keyAt)
      if (len < 0 || pos + len > end) throw new ProtobufDecodeError({ reason: `field ${field} runs past the end`, offset: keyAt })
      spans.push({ field, wire, start: pos, length: len })
      pos += len
    } else if (wire === 1 || wire === 5) {
      const len = wire === 1 ? 8 : 4
      if (pos + len > end) throw new ProtobufDecodeError({ reason: `field ${field} runs past the end`, offset: keyAt })
      spans.push({ field, wire, start: pos, length: len })
      pos += len
    } else {
      throw new ProtobufDecodeError({ reason: `unsupported wire type ${wire}`, offset: keyAt })
    }
  }
  return spans
}

function first(fields: ProtoField[], n: number): ProtoField | undefined {
  return fields.find((f) => f.field === n)
}

function parseDim(bytes: Uint8Array): OnnxDim {
  const fields = decodeFields(bytes)
  const value = first(fields, 1)
  if (value && value.wire === 0) return toSafeNumber(value.value)
  const param = first(fields, 2)
  if (param) return decodeString(param)
  return null
}

function parseValueInfo(bytes: Uint8Array): OnnxValueInfo {
  const fields = decodeFields(bytes)
  const nameField = first(fields, 1)
  if (!nameField) throw new ProtobufDecodeError({ reason: 'value info without a name', offset: 0 })
  const name = decodeString(nameField)
  const type = first(fields, 2)
  if (!type || type.wire !== 2) return { name, elementType: 'non-tensor', shape: null }
  const tensor = first(decodeFields(type.value), 1) // TypeProto.tensor_type
  if (!tensor || tensor.wire !== 2) return { name, elementType: 'non-tensor', shape: null }
  const tensorFields = decodeFields(tensor.value)
  const elem = first(tensorFields, 1)
  const shapeField = first(tensorFields, 2)
  const shape = shapeField && shapeField.wire === 2
    ? decodeFields(shapeField.value).filter((f) => f.field === 1 && f.wire === 2).map((f) => parseDim(f.value as Uint8Array))
    : null
  return { name, elementType: elementTypeName(elem && elem.wire === 0 ? Number(elem.value) : 0), shape }
}

function readSchema(src: ByteSource, sourceName?: string): OnnxIoSchema {
  const fail = (reason: string, cause?: unknown): never => {
    throw new InvalidOnnxModelError({ reason, source: sourceName, cause })
  }
  if (src.size === 0) fail('the file is empty')
  try {
    const model = scanFields(src, 0, src.size)
    const ir = model.find((f) => f.field === MODEL_IR_VERSION && f.wire === 0)
    if (!ir || ir.varint === undefined || ir.varint < 1n || ir.varint > 100n) fail('no ir_version (field 1) in the ModelProto')
    if (!model.some((f) => f.field === MODEL_OPSET_IMPORT && f.wire === 2)) fail('no opset_import in the ModelProto')
    const graph = model.find((f) => f.field === MODEL_GRAPH && f.wire === 2)
    if (!graph) fail('no graph in the ModelProto')
    const graphFields = scanFields(src, graph!.start, graph!.start + graph!.length)
    // Since IR 4, initializers may also be listed as graph inputs (as overridable defaults);
    // they are weights, not inputs a caller must feed, so they are left out of the schema.
    const initializerNames = new Set<string>()
    for (const f of graphFields) {
      if (f.field !== GRAPH_INITIALIZER || f.wire !== 2) continue
      // Only the tensor's name and data location are wanted: scan its keys, skip its data.
      const tensorFields = scanFields(src, f.start, f.start + f.length)
      const name = tensorFields.find((t) => t.field === TENSOR_NAME && t.wire === 2)
      const nameText = name ? new TextDecoder().decode(src.read(name.start, name.length)) : '(unnamed)'
      if (tensorFields.some((t) => t.field === TENSOR_DATA_LOCATION && t.varint === DATA_LOCATION_EXTERNAL)) {
        // The weights live in other files, which would not travel with this one.
        fail(`initializer ${nameText} keeps its data in an external file; save the model as one file`)
      }
      if (name) initializerNames.add(nameText)
    }
    const values = (n: number): OnnxValueInfo[] =>
      graphFields.filter((f) => f.field === n && f.wire === 2).map((f) => parseValueInfo(src.read(f.start, f.length)))
    const inputs = values(GRAPH_INPUT).filter((v) => !initializerNames.has(v.name))
    const outputs = values(GRAPH_OUTPUT)
    if (outputs.length === 0) fail('the graph declares no outputs')
    return { inputs, outputs }
  } catch (err) {
    if (err instanceof InvalidOnnxModelError) throw err
    if (err instanceof ProtobufDecodeError) return fail(err.shortMessage, err)
    throw err
  }
}

/**
 * The input/output schema of an ONNX model held in memory.
 * Throws InvalidOnnxModelError when the bytes are not an ONNX ModelProto.
 *
 * @example
 * const { inputs, outputs } = readOnnxSchema(buildMlpModel())
 * // inputs: [{ name: 'input', elementType: 'float32', shape: ['N', 4] }]
 */
export function readOnnxSchema(bytes: Uint8Array): OnnxIoSchema {
  return readSchema({ size: bytes.length, read: (o, l) => bytes.subarray(o, o + l) })
}

/**
 * The input/output schema of an ONNX file, read by seeking so weights are never loaded.
 * Throws InvalidOnnxModelError when the file is not an ONNX ModelProto.
 *
 * @example
 * const schema = readOnnxSchemaFromFile('/models/mlp.onnx')
 */
export function readOnnxSchemaFromFile(path: string): OnnxIoSchema {
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    return readSchema(
      {
        size,
        read: (offset, length) => {
          const buf = Buffer.alloc(length)
          let done = 0
          while (done < length) {
            const n = readSync(fd, buf, done, length - done, offset + done)
            if (n === 0) break
            done += n
          }
          return new Uint8Array(buf.buffer, buf.byteOffset, done)
        },
      },
      path,
    )
  } finally {
    closeSync(fd)
  }
}
