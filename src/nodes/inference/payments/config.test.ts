import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseInferenceConfig } from '../config.ts'

const base = { providers: [], models: [] }

test('payments config: off unless required; needs a ledger; paths resolve beside the config file', () => {
  assert.equal(parseInferenceConfig(base, '/etc/haca/node.json').payments, undefined)
  assert.throws(() => parseInferenceConfig({ ...base, payments: { required: true } }, '/etc/haca/node.json'), /payments.required needs a "ledger" section/)
  const c = parseInferenceConfig({ ...base, ledger: { rpc: 'http://127.0.0.1:26657' }, payments: { required: true, channelTtlMs: 500 } }, '/etc/haca/node.json')
  assert.deepEqual(c.payments, { required: true, voucherLog: '/etc/haca/vouchers.log', node: undefined, channelTtlMs: 500 })
  assert.throws(() => parseInferenceConfig({ ...base, ledger: { rpc: 'x' }, payments: { node: 'nope' } }, '/n.json'), /payments.node must be an address/)
  assert.throws(() => parseInferenceConfig({ ...base, payments: { required: 'yes' } }, '/n.json'), /payments.required must be true or false/)
})
