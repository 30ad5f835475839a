/**
 * A small ONNX model writer: encodes ModelProto / GraphProto / NodeProto / TensorProto /
 * ValueInfoProto by hand, so tests, benches and examples can make real models that
 * onnxruntime loads, without Python or a protobuf toolchain. Field numbers follow onnx.proto
 * (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto).
 */
import { ProtoWriter } from './protobuf.ts'
import { ONNX_ELEMENT_TYPES, type OnnxDim, type OnnxElementType } from '../protocol/onnxTypes.ts'

/** A tensor value declared in the graph signature. */
export type ValueInfoSpec = { name: string; elementType: OnnxElementType; shape: OnnxDim[] }

/** A float32 constant (weights, biases) stored in the graph as raw little-endian bytes. */
export type InitializerSpec = { name: string; dims: number[]; values: Float32Array }

export type AttributeSpec =
  | { name: string; type: 'int'; value: number }
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'ints'; value: number[] }
  | { name: string; type: 'string'; value: string }

export type NodeSpec = {
  opType: string
  inputs: string[]
  outputs: string[]
  name?: string
  domain?: string
  attributes?: AttributeSpec[]
}

export type GraphSpec = {
  name: string
  nodes: NodeSpec[]
  inputs: ValueInfoSpec[]
  outputs: ValueInfoSpec[]
  initializers?: InitializerSpec[]
}

export type EncodeModelParameters = {
  graph: GraphSpec
  /** Default opset of the ai.onnx domain; 13 unless given. */
  opset?: number
  /** ONNX IR version; 8 unless given (onnxruntime 1.30 reads up to 11). */
  irVersion?: number
  producerName?: string
}

// AttributeProto.AttributeType values from onnx.proto.
const ATTR_FLOAT = 1
const ATTR_INT = 2
const ATTR_STRING = 3
const ATTR_INTS = 7

function writeValueInfo(w: ProtoWriter, v: ValueInfoSpec): void {
  w.string(1, v.name) // ValueInfoProto.name
  w.message(2, (type) => // ValueInfoProto.type: TypeProto
    type.message(1, (tensor) => { // TypeProto.tensor_type
      tensor.int(1, ONNX_ELEMENT_TYPES[v.elementType]) // elem_type
      tensor.message(2, (shape) => { // TensorShapeProto
        for (const d of v.shape) {
          shape.message(1, (dim) => { // Dimension
            if (typeof d === 'number') dim.int(1, d) // dim_value
            else if (typeof d === 'string') dim.string(2, d) // dim_param
          })
        }
      })
    }),
  )
}

function writeInitializer(w: ProtoWriter, t: InitializerSpec): void {
  const expected = t.dims.reduce((a, b) => a * b, 1)
  if (expected !== t.values.length) {
    throw new RangeError(`initializer ${t.name}: dims ${JSON.stringify(t.dims)} hold ${expected} values, got ${t.values.length}`)
  }
  w.packedInts(1, t.dims) // TensorProto.dims
  w.int(2, ONNX_ELEMENT_TYPES.float32) // data_type
  w.string(8, t.name) // name
  // raw_data is little-endian; Float32Array is host-endian, which is little-endian on every platform Node ships for.
  w.bytes(9, new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength))
}

function writeAttribute(w: ProtoWriter, a: AttributeSpec): void {
  w.string(1, a.name)
  switch (a.type) {
    case 'float': {
      // AttributeProto.f is a fixed32 float; ProtoWriter has no fixed32, so write key + 4 bytes by hand.
      const b = new Uint8Array(4)
      new DataView(b.buffer).setFloat32(0, a.value, true)
      w.bytesRaw((2 << 3) | 5, b)
      w.int(20, ATTR_FLOAT)
      break
    }
    case 'int':
      w.int(3, a.value).int(20, ATTR_INT)
      break
    case 'string':
      w.string(4, a.value).int(20, ATTR_STRING)
      break
    case 'ints':
      for (const v of a.value) w.int(8, v)
      w.int(20, ATTR_INTS)
      break
  }
}

function writeNode(w: ProtoWriter, n: NodeSpec): void {
  for (const i of n.inputs) w.string(1, i)
  for (const o of n.outputs) w.string(2, o)
  if (n.name) w.string(3, n.name)
  w.string(4, n.opType)
  for (const a of n.attributes ?? []) w.message(5, (aw) => writeAttribute(aw, a))
  if (n.domain) w.string(7, n.domain)
}

/**
 * Encodes a model as ONNX protobuf bytes.
 *
 * @example
 * const bytes = encodeModel({ graph: { name: 'id', nodes: [{ opType: 'Identity', inputs: ['x'], outputs: ['y'] }],
 *   inputs: [{ name: 'x', elementType: 'float32', shape: [1] }], outputs: [{ name: 'y', elementType: 'float32', shape: [1] }] } })
 */
export function encodeModel({ graph, opset = 13, irVersion = 8, producerName = 'haca' }: EncodeModelParameters): Uint8Array {
  const w = new ProtoWriter()
  w.int(1, irVersion) // ModelProto.ir_version
  w.string(2, producerName) // producer_name
  w.message(7, (g) => { // graph
    for (const n of graph.nodes) g.message(1, (nw) => writeNode(nw, n))
    g.string(2, graph.name)
    for (const t of graph.initializers ?? []) g.message(5, (tw) => writeInitializer(tw, t))
    for (const v of graph.inputs) g.message(11, (vw) => writeValueInfo(vw, v))
    for (const v of graph.outputs) g.message(12, (vw) => writeValueInfo(vw, v))
  })
  w.message(8, (o) => o.string(1, '').int(2, opset)) // opset_import: default domain
  return w.finish()
}

export type MlpModelParameters = {
  /** Input features; 4 unless given. */
  inputSize?: number
  /** Output features; 3 unless given. */
  outputSize?: number
  /** Hidden layer width; omit for a single MatMul+Add+Relu layer. */
  hiddenSize?: number
  /** Changes every weight; the same seed always gives the same model bytes. */
  seed?: number
}

/** Deterministic weights that are exact in float32 (multiples of 1/8 in [-1, 1]) so outputs can be checked exactly. */
export function weights(count: number, salt: number): Float32Array {
  const out = new Float32Array(count)
  for (let i = 0; i < count; i++) out[i] = (((i * 7 + salt * 13 + 3) % 17) - 8) / 8
  return out
}

type Layer = { w: Float32Array; b: Float32Array; rows: number; cols: number }

function mlpLayers({ inputSize = 4, outputSize = 3, hiddenSize, seed = 0 }: MlpModelParameters): Layer[] {
  const sizes = hiddenSize ? [inputSize, hiddenSize, outputSize] : [inputSize, outputSize]
  const layers: Layer[] = []
  for (let l = 0; l + 1 < sizes.length; l++) {
    const rows = sizes[l]
    const cols = sizes[l + 1]
    layers.push({ rows, cols, w: weights(rows * cols, seed * 31 + l * 2), b: weights(cols, seed * 31 + l * 2 + 1) })
  }
  return layers
}

/**
 * A small MLP as ONNX bytes: input `input` float32 [N, inputSize], one or two
 * MatMul+Add+Relu layers, output `output` float32 [N, outputSize]. Opset 13, IR version 8.
 *
 * @example
 * const bytes = buildMlpModel() // [N,4] -> [N,3]
 * const session = await ort.InferenceSession.create(bytes)
 */
export function buildMlpModel(params: MlpModelParameters = {}): Uint8Array {
  const layers = mlpLayers(params)
  const nodes: NodeSpec[] = []
  const initializers: InitializerSpec[] = []
  let current = 'input'
  layers.forEach((layer, l) => {
    const wName = `layer${l}.weight`
    const bName = `layer${l}.bias`
    initializers.push({ name: wName, dims: [layer.rows, layer.cols], values: layer.w })
    initializers.push({ name: bName, dims: [layer.cols], values: layer.b })
    const out = l === layers.length - 1 ? 'output' : `layer${l}.out`
    nodes.push({ opType: 'MatMul', inputs: [current, wName], outputs: [`layer${l}.mm`], name: `layer${l}.matmul` })
    nodes.push({ opType: 'Add', inputs: [`layer${l}.mm`, bName], outputs: [`layer${l}.add`], name: `layer${l}.add` })
    nodes.push({ opType: 'Relu', inputs: [`layer${l}.add`], outputs: [out], name: `layer${l}.relu` })
    current = out
  })
  const first = layers[0]
  const last = layers[layers.length - 1]
  return encodeModel({
    graph: {
      name: 'haca_mlp',
      nodes,
      initializers,
      inputs: [{ name: 'input', elementType: 'float32', shape: ['N', first.rows] }],
      outputs: [{ name: 'output', elementType: 'float32', shape: ['N', last.cols] }],
    },
  })
}

/**
 * What `buildMlpModel(params)` computes, in plain JS: for checking an engine's output.
 * `input` is row-major [N, inputSize]; the result is row-major [N, outputSize].
 */
export function runMlpReference(input: Float32Array, params: MlpModelParameters = {}): Float32Array {
  let x = input
  for (const layer of mlpLayers(params)) {
    const n = x.length / layer.rows
    const y = new Float32Array(n * layer.cols)
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < layer.cols; c++) {
        let acc = 0
        for (let k = 0; k < layer.rows; k++) acc += x[r * layer.rows + k] * layer.w[k * layer.cols + c]
        y[r * layer.cols + c] = Math.max(0, Math.fround(acc + layer.b[c]))
      }
    }
    x = y
  }
  return x
}
