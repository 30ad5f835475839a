import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as ort from 'onnxruntime-node'
import { buildCnnModel } from './buildCnn.ts'
import { sha256 } from '../core/hash.ts'
import { toHex } from '../core/bytes.ts'

const options = { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' as const }
const image = (n: number, size = 32) => Float32Array.from({ length: n * 3 * size * size }, (_, i) => ((i * 37) % 11) / 10 - 0.5)

test('the CIFAR-sized CNN loads in onnxruntime, maps [N,3,32,32] to [N,10], and gives the same bytes every run', async () => {
  const session = await ort.InferenceSession.create(buildCnnModel(), options)
  try {
    const x = image(2)
    const first = (await session.run({ input: new ort.Tensor('float32', x, [2, 3, 32, 32]) })).output
    assert.deepEqual(first.dims, [2, 10])
    const values = Array.from(first.data as Float32Array)
    assert.ok(values.every(Number.isFinite))
    assert.ok(new Set(values).size > 1, 'the outputs depend on the input')
    // The two images in the batch differ, so their logits must too.
    assert.notDeepEqual(values.slice(0, 10), values.slice(10))
    for (let i = 0; i < 3; i++) {
      const again = (await session.run({ input: new ort.Tensor('float32', x, [2, 3, 32, 32]) })).output
      assert.deepEqual(Buffer.from((again.data as Float32Array).buffer), Buffer.from((first.data as Float32Array).buffer))
    }
  } finally {
    await session.release()
  }
})

test('CNN sizes are configurable; model bytes are deterministic per seed; impossible sizes are refused', async () => {
  const small = buildCnnModel({ size: 8, channels: [4, 8], convsPerStage: 1, classes: 3, seed: 5 })
  const session = await ort.InferenceSession.create(small, options)
  try {
    const y = (await session.run({ input: new ort.Tensor('float32', image(1, 8), [1, 3, 8, 8]) })).output
    assert.deepEqual(y.dims, [1, 3])
  } finally {
    await session.release()
  }
  assert.equal(toHex(sha256(buildCnnModel())), toHex(sha256(buildCnnModel())))
  assert.notEqual(toHex(sha256(buildCnnModel({ seed: 1 }))), toHex(sha256(buildCnnModel())))
  assert.throws(() => buildCnnModel({ size: 20, channels: [4, 4, 4] }), /input size 20 is not divisible by 2\^3/)
})
