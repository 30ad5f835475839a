import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseInferenceConfig } from './config.ts'
import { InferenceConfigError } from './configError.ts'

test('receiptLog: sync and sizes are checked, and pass through when valid', () => {
  const parse = (receiptLog: unknown) => parseInferenceConfig({ receiptLog }, '/cfg/node.json', {})
  assert.deepEqual(parse({ sync: 'background', maxSegmentBytes: 65536 }).receiptLog, { sync: 'background', maxSegmentBytes: 65536, preallocateBytes: undefined, retainBytes: undefined })
  assert.equal(parse({ retainBytes: 1 << 30 }).receiptLog?.retainBytes, 1 << 30)
  assert.throws(() => parse({ retainBytes: 0 }), /receiptLog.retainBytes must be a positive integer/)
  assert.throws(() => parseInferenceConfig({ receiptLog: { retainBytes: 1 << 30 }, settlement: {} }, '/cfg/node.json', {}), /receiptLog.retainBytes is for nodes that do not settle/)
  assert.equal(parse(undefined).receiptLog, undefined)
  assert.throws(() => parse({ sync: 'sometimes' }), (err: unknown) => err instanceof InferenceConfigError && /receiptLog.sync must be "per-append" or "background"/.test((err as Error).message))
  assert.throws(() => parse({ maxSegmentBytes: -1 }), /receiptLog.maxSegmentBytes must be a positive integer/)
  assert.throws(() => parse('big'), /"receiptLog" must be an object/)
})

test('onnx: each option is checked (execution provider, offload, levels, counts), unknown fields refused, absent ones left to the defaults', () => {
  const parse = (onnx: unknown) => parseInferenceConfig({ onnx }, '/cfg/node.json', {}).onnx
  assert.deepEqual(parse(undefined), {})
  assert.deepEqual(parse({ executionProvider: 'auto', workers: 0, offload: 'always' }), { executionProvider: 'auto', workers: 0, offload: 'always' })
  assert.deepEqual(parse({ executionProvider: 'cuda', intraOpNumThreads: 2, graphOptimizationLevel: 'basic', maxSessions: 3 }), { executionProvider: 'cuda', intraOpNumThreads: 2, graphOptimizationLevel: 'basic', maxSessions: 3 })
  const refuses = (onnx: unknown, reason: RegExp) => assert.throws(() => parse(onnx), (err: unknown) => err instanceof InferenceConfigError && reason.test((err as Error).message))
  refuses({ executionProvider: 'gpu' }, /onnx.executionProvider must be "cpu", "cuda", "auto", not "gpu"/)
  refuses({ offload: 'never' }, /onnx.offload must be "busy", "always"/)
  refuses({ graphOptimizationLevel: 99 }, /onnx.graphOptimizationLevel must be/)
  refuses({ workers: -1 }, /onnx.workers must be an integer of at least 0/)
  refuses({ intraOpNumThreads: 0 }, /onnx.intraOpNumThreads must be an integer of at least 1/)
  refuses({ maxSessions: 1.5 }, /onnx.maxSessions must be an integer of at least 1/)
  refuses({ threads: 4 }, /onnx has unknown field\(s\) "threads"/)
  refuses([], /"onnx" must be an object/)
})

test('provider keys: apiKey as given, apiKeyEnv read from the environment, a missing variable refused by name', () => {
  const provider = (p: Record<string, unknown>) => ({ providers: [{ name: 'oa', kind: 'openai', models: ['m'], ...p }] })
  assert.equal(parseInferenceConfig(provider({ apiKey: 'sk-inline' }), '/cfg/node.json', {}).providers[0].apiKey, 'sk-inline')
  const fromEnv = parseInferenceConfig(provider({ apiKeyEnv: 'OA_KEY' }), '/cfg/node.json', { OA_KEY: 'sk-from-env' }).providers[0]
  assert.equal(fromEnv.apiKey, 'sk-from-env')
  assert.equal(fromEnv.apiKeyEnv, 'OA_KEY')
  assert.throws(() => parseInferenceConfig(provider({ apiKeyEnv: 'OA_KEY' }), '/cfg/node.json', {}), (err: unknown) => {
    assert.ok(err instanceof InferenceConfigError)
    assert.match((err as Error).message, /providers\[0\]: environment variable OA_KEY is not set/)
    return true
  })
})
