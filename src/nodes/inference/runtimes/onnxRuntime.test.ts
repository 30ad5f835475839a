import { test } from 'node:test'
import assert from 'node:assert/strict'
import { buildMlpModel, runMlpReference } from '../../../onnx/build.ts'
import { OnnxRuntime } from './onnxRuntime.ts'
import { type WorkerExit, restartDelayMs } from './onnxWorkerPool.ts'
import { type ModelInfo, type ModelSource, UnknownModelError } from '../models/modelSource.ts'
import { InvalidTensorError } from '../../../protocol/tensor.ts'

/** Models held in memory, counting loads. */
class MemorySource implements ModelSource {
  loads = 0
  constructor(private readonly models: Record<string, Uint8Array>) {}
  list(): ModelInfo[] {
    return Object.keys(this.models).map((id) => ({ id, price: 0n }))
  }
  async load(id: string): Promise<Uint8Array> {
    this.loads++
    const m = this.models[id]
    if (!m) throw new UnknownModelError({ model: id })
    return m
  }
}

test('sessions are cached, bounded, and evicted ones finish their runs', async () => {
  const params = [{ seed: 1 }, { seed: 2 }, { seed: 3 }]
  const source = new MemorySource(Object.fromEntries(params.map((p, i) => [`m${i}`, buildMlpModel(p)])))
  const runtime = new OnnxRuntime(source, { maxSessions: 2 })
  const input = [1, 0.5, -0.25, 2]
  const run = async (i: number) => (await runtime.run(`m${i}`, { input: { dims: [1, 4], type: 'float32', data: input } })).outputs.output.data
  const expected = params.map((p) => Array.from(runMlpReference(Float32Array.from(input), p)))
  assert.deepEqual(await run(0), expected[0])
  assert.deepEqual(await run(0), expected[0])
  assert.equal(source.loads, 1, 'a warm session is reused')
  // Three models through two slots, concurrently: each answer must come from its own model.
  const results = await Promise.all([0, 1, 2, 0, 1, 2].map(run))
  results.forEach((r, k) => assert.deepEqual(r, expected[k % 3]))
  // Three models in turn through two slots: an unbounded cache would load none of them again.
  const before = source.loads
  for (const i of [0, 1, 2, 0, 1, 2]) assert.deepEqual(await run(i), expected[i])
  assert.ok(source.loads - before >= 4, `with room for two sessions, three models in turn reload (${source.loads - before} loads)`)
  await assert.rejects(runtime.run('nope', {}), UnknownModelError)
  await assert.rejects(runtime.run('m0', { input: { dims: [1, 4], type: 'float32', data: [1] } }), InvalidTensorError)
  await runtime.close()
})

test('int64 and bool tensors travel as JSON (int64 as decimal strings)', async () => {
  const { encodeModel } = await import('../../../onnx/build.ts')
  const bytes = encodeModel({
    graph: {
      name: 'cast',
      nodes: [{ opType: 'Identity', inputs: ['x'], outputs: ['y'] }, { opType: 'Not', inputs: ['b'], outputs: ['nb'] }],
      inputs: [{ name: 'x', elementType: 'int64', shape: [2] }, { name: 'b', elementType: 'bool', shape: [2] }],
      outputs: [{ name: 'y', elementType: 'int64', shape: [2] }, { name: 'nb', elementType: 'bool', shape: [2] }],
    },
  })
  const runtime = new OnnxRuntime(new MemorySource({ cast: bytes }))
  const { outputs } = await runtime.run('cast', { x: { dims: [2], type: 'int64', data: ['9007199254740993', -5] }, b: { dims: [2], type: 'bool', data: [true, false] } })
  assert.deepEqual(outputs.y, { dims: [2], type: 'int64', data: ['9007199254740993', '-5'] })
  assert.deepEqual(outputs.nb, { dims: [2], type: 'bool', data: [false, true] })
  await runtime.close()
})

test('worker threads give the same bytes as the main thread', async () => {
  const params = { inputSize: 8, hiddenSize: 16, outputSize: 4, seed: 9 }
  const source = new MemorySource({ m: buildMlpModel(params) })
  const main = new OnnxRuntime(source)
  const pooled = new OnnxRuntime(source, { workers: 2, offload: 'always' })
  try {
    const inputs = Array.from({ length: 6 }, (_, k) => ({ input: { dims: [2, 8], type: 'float32' as const, data: Array.from({ length: 16 }, (_, i) => ((i + k) % 7) / 4 - 1) } }))
    const a = await Promise.all(inputs.map((x) => main.run('m', x)))
    const b = await Promise.all(inputs.map((x) => pooled.run('m', x)))
    assert.deepEqual(new Set(b.map((r) => r.thread)), new Set(['worker']))
    assert.deepEqual(b.map((r) => JSON.stringify(r.outputs)), a.map((r) => JSON.stringify(r.outputs)))
    assert.deepEqual(b[0].outputs.output.data, Array.from(runMlpReference(Float32Array.from(inputs[0].input.data), params)))
    await assert.rejects(pooled.run('m', { input: { dims: [2, 8], type: 'float32', data: [1] } }), InvalidTensorError)
  } finally {
    await main.close()
    await pooled.close()
  }
})

test('a worker thread that dies is replaced, idle or busy: later runs are answered', async () => {
  const params = { inputSize: 4, hiddenSize: 8, outputSize: 2, seed: 5 }
  const runtime = new OnnxRuntime(new MemorySource({ m: buildMlpModel(params) }), { workers: 1, offload: 'always' })
  const input = { input: { dims: [1, 4], type: 'float32' as const, data: [0.5, -1, 2, 0.25] } }
  const expected = Array.from(runMlpReference(Float32Array.from(input.input.data), params))
  const worker = () => runtime['pool']['slots'][0].worker
  try {
    assert.deepEqual((await runtime.run('m', input)).outputs.output.data, expected)
    // Idle: nothing pending when it exits (before, such a worker stayed in the pool, and runs sent to it hung).
    const first = worker()
    await first.terminate()
    await new Promise((resolve) => setImmediate(resolve))
    assert.notEqual(worker(), first, 'a new worker took the dead one\'s place')
    const again = await runtime.run('m', input)
    assert.equal(again.thread, 'worker')
    assert.deepEqual(again.outputs.output.data, expected)
    // Busy: the run in flight fails with a clear error, the next one is answered.
    const running = runtime.run('m', input)
    const second = worker()
    void second.terminate()
    await assert.rejects(running, /model "m" failed to run: its worker thread exited/)
    assert.deepEqual((await runtime.run('m', input)).outputs.output.data, expected)
  } finally {
    await runtime.close()
  }
})

test('workers that die before answering are restarted with a growing delay, runs meanwhile fail clearly, and an answer resets it', async () => {
  assert.deepEqual([1, 2, 3, 4, 12, 40].map(restartDelayMs), [0, 100, 200, 400, 30_000, 30_000])
  const params = { inputSize: 4, hiddenSize: 8, outputSize: 2, seed: 6 }
  const exits: WorkerExit[] = []
  const runtime = new OnnxRuntime(new MemorySource({ m: buildMlpModel(params) }), { workers: 1, offload: 'always', onWorkerExit: (e) => exits.push(e) })
  const input = { input: { dims: [1, 4], type: 'float32' as const, data: [1, 2, 3, 4] } }
  const expected = Array.from(runMlpReference(Float32Array.from(input.input.data), params))
  const slot = () => runtime['pool']['slots'][0]
  const waitFor = async (what: () => boolean) => {
    for (let i = 0; i < 500 && !what(); i++) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.ok(what())
  }
  try {
    // Two workers in a row die before answering anything: the first is replaced at once, the second after 100 ms.
    const first = slot()
    await first.worker.terminate()
    await waitFor(() => slot() !== first)
    assert.deepEqual(exits.map((e) => e.restartInMs), [0])
    const second = slot()
    await second.worker.terminate()
    await waitFor(() => exits.length === 2)
    assert.equal(exits[1].restartInMs, 100)
    assert.match(exits[1].reason, /its worker thread exited with code \d+/)
    await assert.rejects(runtime.run('m', input), /no ONNX worker thread is running: they exited 2 times in a row before answering a run/)
    await waitFor(() => !slot().dead)
    assert.deepEqual((await runtime.run('m', input)).outputs.output.data, expected)
    // An answer resets the count: the next worker to die before answering is the first again.
    const third = slot()
    await third.worker.terminate()
    await waitFor(() => exits.length === 3 && slot() !== third)
    assert.equal(exits[2].restartInMs, 0, 'it had answered')
    const fourth = slot()
    await fourth.worker.terminate()
    await waitFor(() => exits.length === 4)
    assert.equal(exits[3].restartInMs, 0, 'one death before answering since the last answer')
    await waitFor(() => !slot().dead)
    assert.deepEqual((await runtime.run('m', input)).outputs.output.data, expected)
  } finally {
    await runtime.close()
  }
})

test('by default a run leaves the main thread only while other requests are in flight', async () => {
  let busy = false
  const params = { inputSize: 4, hiddenSize: 8, outputSize: 2, seed: 3 }
  const runtime = new OnnxRuntime(new MemorySource({ m: buildMlpModel(params) }), { workers: 1, busy: () => busy })
  const input = { input: { dims: [1, 4], type: 'float32' as const, data: [1, -1, 0.5, 2] } }
  const expected = Array.from(runMlpReference(Float32Array.from(input.input.data), params))
  try {
    const alone = await runtime.run('m', input)
    assert.equal(alone.thread, 'main', 'alone: the main thread, no hand-off')
    busy = true
    const underLoad = await runtime.run('m', input)
    assert.equal(underLoad.thread, 'worker', 'under load: a worker, leaving the event loop to the other requests')
    assert.deepEqual(underLoad.outputs.output.data, alone.outputs.output.data)
    assert.deepEqual(alone.outputs.output.data, expected)
    busy = false
    assert.equal((await runtime.run('m', input)).thread, 'main')
    const never = new OnnxRuntime(new MemorySource({ m: buildMlpModel(params) }), { workers: 0, busy: () => true })
    assert.equal((await never.run('m', input)).thread, 'main', 'workers: 0 keeps every run on the main thread')
    await never.close()
  } finally {
    await runtime.close()
  }
})
