import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as ort from 'onnxruntime-node'
import { buildMlpModel, encodeModel, runMlpReference } from './build.ts'
import { sha256 } from '../core/hash.ts'
import { toHex } from '../core/bytes.ts'

async function run(bytes: Uint8Array, input: Float32Array, dims: number[]): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 })
  try {
    const out = await session.run({ input: new ort.Tensor('float32', input, dims) })
    return out.output
  } finally {
    await session.release()
  }
}

test('the default MLP loads in onnxruntime and maps [N,4] to [N,3] as the reference computes', async () => {
  const x = new Float32Array([1, 2, 3, 4, -1, 0.5, 2, -3, 0, 0, 0, 0])
  const y = await run(buildMlpModel(), x, [3, 4])
  assert.deepEqual(y.dims, [3, 3])
  assert.equal(y.type, 'float32')
  assert.deepEqual(Array.from(y.data as Float32Array), Array.from(runMlpReference(x)))
  // Relu must clamp something in this input, or the test would not tell Relu from Identity.
  assert.ok(Array.from(runMlpReference(x)).some((v) => v === 0))
  assert.ok(Array.from(runMlpReference(x)).some((v) => v > 0))
})

test('a two-layer MLP with a hidden layer and another seed runs as the reference computes', async () => {
  const params = { inputSize: 5, hiddenSize: 16, outputSize: 2, seed: 7 }
  const x = new Float32Array(Array.from({ length: 10 }, (_, i) => (i - 4) / 2))
  const y = await run(buildMlpModel(params), x, [2, 5])
  assert.deepEqual(y.dims, [2, 2])
  const ref = runMlpReference(x, params)
  Array.from(y.data as Float32Array).forEach((v, i) => assert.ok(Math.abs(v - ref[i]) < 1e-5, `${v} vs ${ref[i]}`))
})

test('model bytes are deterministic and depend on the seed', () => {
  assert.equal(toHex(sha256(buildMlpModel())), toHex(sha256(buildMlpModel())))
  assert.notEqual(toHex(sha256(buildMlpModel({ seed: 1 }))), toHex(sha256(buildMlpModel())))
})

test('encodeModel writes attributes that onnxruntime honours (Transpose perm)', async () => {
  const bytes = encodeModel({
    graph: {
      name: 't',
      nodes: [{ opType: 'Transpose', inputs: ['input'], outputs: ['output'], attributes: [{ name: 'perm', type: 'ints', value: [1, 0] }] }],
      inputs: [{ name: 'input', elementType: 'float32', shape: [2, 3] }],
      outputs: [{ name: 'output', elementType: 'float32', shape: [3, 2] }],
    },
  })
  const y = await run(bytes, new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3])
  assert.deepEqual(y.dims, [3, 2])
  assert.deepEqual(Array.from(y.data as Float32Array), [1, 4, 2, 5, 3, 6])
})

test('encodeModel rejects an initializer whose dims do not match its values', () => {
  assert.throws(
    () => encodeModel({
      graph: { name: 'bad', nodes: [], inputs: [], outputs: [], initializers: [{ name: 'w', dims: [2, 2], values: new Float32Array(3) }] },
    }),
    /initializer w: dims \[2,2\] hold 4 values, got 3/,
  )
})

test('encodeModel writes float attributes that onnxruntime honours (LeakyRelu alpha)', async () => {
  const bytes = encodeModel({
    graph: {
      name: 'l',
      nodes: [{ opType: 'LeakyRelu', inputs: ['input'], outputs: ['output'], attributes: [{ name: 'alpha', type: 'float', value: 0.25 }] }],
      inputs: [{ name: 'input', elementType: 'float32', shape: [3] }],
      outputs: [{ name: 'output', elementType: 'float32', shape: [3] }],
    },
  })
  const y = await run(bytes, new Float32Array([-4, 0, 2]), [3])
  assert.deepEqual(Array.from(y.data as Float32Array), [-1, 0, 2])
})
