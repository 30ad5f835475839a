import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join, resolve } from 'node:path'
import { parseInferenceConfig } from '../config.ts'
import { capabilitiesOf } from './selfRegistration.ts'

test('the "register" config section: defaults, resolved paths, and errors that name the field', () => {
  const c = parseInferenceConfig({ tee: { devRootFile: 'root.pem' }, register: { rpc: 'http://127.0.0.1:26657', stake: '1000', operatorKeyFile: 'op.json' } }, '/etc/haca/node.json')
  assert.equal(c.register?.stake, 1000n)
  assert.equal(c.register?.operatorKeyFile, resolve('/etc/haca/op.json'))
  assert.equal(c.register?.endpoint, undefined)
  assert.equal(c.tee?.hpkeKeyFile, join(resolve('/etc/haca'), 'hpke-key.json'))
  const bad = (register: unknown, message: RegExp) => assert.throws(() => parseInferenceConfig({ register }, 'node.json'), message)
  bad({ stake: '1' }, /register\.rpc must be a non-empty string/)
  bad({ rpc: 'http://x', stake: 5 }, /register\.stake must be a decimal string/)
  bad({ rpc: 'http://x', endpoint: 'ftp://x' }, /register\.endpoint must be an http\(s\) URL/)
  bad({ rpc: 'http://x', reattestEveryMs: 10 }, /register\.reattestEveryMs/)
})

test('capabilities list ONNX and provider models with their prices, once each', () => {
  const caps = capabilitiesOf({ onnxModels: [{ id: 'mlp', price: 3n }], chatModels: [{ id: 'gpt', price: 7n }, { id: 'mlp', price: 9n }], runtimes: ['onnx', 'openai', 'openai'], mode: 'tee' })
  assert.deepEqual(caps, { runtimes: ['onnx', 'openai'], models: ['mlp', 'gpt'], modes: ['tee'], prices: [{ item: 'mlp', amount: 3n }, { item: 'gpt', amount: 7n }] })
})
