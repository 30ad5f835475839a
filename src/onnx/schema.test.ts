import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildMlpModel, encodeModel } from './build.ts'
import { InvalidOnnxModelError, readOnnxSchema, readOnnxSchemaFromFile } from './schema.ts'
import { checkOnnxLoads } from './checkLoads.ts'
import { ProtoWriter } from './protobuf.ts'

test('readOnnxSchema gives input and output names, element types and shapes', () => {
  assert.deepEqual(readOnnxSchema(buildMlpModel({ inputSize: 6, outputSize: 2, hiddenSize: 5 })), {
    inputs: [{ name: 'input', elementType: 'float32', shape: ['N', 6] }],
    outputs: [{ name: 'output', elementType: 'float32', shape: ['N', 2] }],
  })
})

test('readOnnxSchema leaves out initializers listed as inputs, and reads several typed inputs', () => {
  const bytes = encodeModel({
    graph: {
      name: 'g',
      nodes: [
        { opType: 'Add', inputs: ['a', 'bias'], outputs: ['sum'] },
        { opType: 'Identity', inputs: ['ids'], outputs: ['ids_out'] },
      ],
      initializers: [{ name: 'bias', dims: [3], values: new Float32Array([1, 2, 3]) }],
      inputs: [
        { name: 'a', elementType: 'float32', shape: [1, 3] },
        { name: 'bias', elementType: 'float32', shape: [3] },
        { name: 'ids', elementType: 'int64', shape: ['batch', null] },
      ],
      outputs: [
        { name: 'sum', elementType: 'float32', shape: [1, 3] },
        { name: 'ids_out', elementType: 'int64', shape: ['batch', null] },
      ],
    },
  })
  const schema = readOnnxSchema(bytes)
  assert.deepEqual(schema.inputs.map((i) => i.name), ['a', 'ids'])
  assert.deepEqual(schema.inputs[1], { name: 'ids', elementType: 'int64', shape: ['batch', null] })
  assert.deepEqual(schema.outputs.map((o) => [o.name, o.elementType]), [['sum', 'float32'], ['ids_out', 'int64']])
})

test('readOnnxSchemaFromFile reads the same schema as from memory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'haca-onnx-'))
  try {
    const bytes = buildMlpModel({ hiddenSize: 64 })
    writeFileSync(join(dir, 'm.onnx'), bytes)
    assert.deepEqual(readOnnxSchemaFromFile(join(dir, 'm.onnx')), readOnnxSchema(bytes))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('invalid ONNX gives InvalidOnnxModelError with a reason', async (t) => {
  const model = buildMlpModel()
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty', new Uint8Array(0), /the file is empty/],
    ['text', new TextEncoder().encode('{"hello": "world"}'), /malformed protobuf/],
    ['truncated', model.subarray(0, model.length - 20), /runs past the end|truncated/],
    ['no graph', encodeModel({ graph: { name: 'x', nodes: [], inputs: [], outputs: [] } }).subarray(0, 2), /no opset_import|no graph/],
    ['no outputs', encodeModel({ graph: { name: 'x', nodes: [], inputs: [], outputs: [] } }), /declares no outputs/],
  ]
  for (const [label, bytes, reason] of cases) {
    await t.test(label, () => {
      assert.throws(() => readOnnxSchema(bytes), (err: unknown) => {
        assert.ok(err instanceof InvalidOnnxModelError)
        assert.equal(err.code, 'invalid_onnx_model')
        assert.match(err.message, /^input is not a valid ONNX model: /)
        assert.match(err.message, reason)
        return true
      })
    })
  }
})

test('a model whose weights live in external data files is refused', () => {
  // The MLP with its first initializer marked data_location = EXTERNAL (TensorProto field 14).
  const w = new ProtoWriter()
  w.int(1, 8)
  w.message(7, (g) => {
    g.message(5, (t) => t.packedInts(1, [4, 3]).int(2, 1).string(8, 'layer0.weight').int(14, 1))
    g.message(11, (v) => v.string(1, 'input'))
    g.message(12, (v) => v.string(1, 'output'))
  })
  w.message(8, (o) => o.string(1, '').int(2, 13))
  assert.throws(() => readOnnxSchema(w.finish()), /initializer layer0.weight keeps its data in an external file/)
})

test('a file that is not ONNX names the file in the error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'haca-onnx-'))
  try {
    const path = join(dir, 'notes.txt')
    writeFileSync(path, 'just some notes\n')
    assert.throws(() => readOnnxSchemaFromFile(path), new RegExp(`^InvalidOnnxModelError: ${path} is not a valid ONNX model`))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('checkOnnxLoads accepts a real model and refuses one onnxruntime cannot load', async () => {
  await checkOnnxLoads(buildMlpModel())
  // Structurally valid protobuf, but the op does not exist: only the runtime can tell.
  const bogus = encodeModel({
    graph: {
      name: 'b',
      nodes: [{ opType: 'NoSuchOp', inputs: ['input'], outputs: ['output'] }],
      inputs: [{ name: 'input', elementType: 'float32', shape: [1] }],
      outputs: [{ name: 'output', elementType: 'float32', shape: [1] }],
    },
  })
  assert.doesNotThrow(() => readOnnxSchema(bogus))
  await assert.rejects(checkOnnxLoads(bogus), (err: unknown) => {
    assert.ok(err instanceof InvalidOnnxModelError)
    assert.match(err.message, /onnxruntime cannot load it/)
    return true
  })
})
