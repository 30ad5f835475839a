import { test } from 'node:test'
import assert from 'node:assert/strict'
import { NodeStats, selectNodes } from './selectNodes.ts'
import type { NodeInfo } from './nodeDirectory.ts'

const node = (url: string, price: bigint, mode: 'vanilla' | 'tee' = 'vanilla', kind: 'onnx' | 'chat' = 'onnx'): NodeInfo =>
  ({ url, address: `0x${'11'.repeat(20)}`, models: [{ id: 'm', kind, price, mode }] })

test('cheapest first, then lowest measured latency; recently failed nodes go last', () => {
  const nodes = [node('a', 5n), node('b', 3n), node('c', 3n), node('d', 1n, 'tee')]
  const stats = new NodeStats()
  stats.recordSuccess('b', 20)
  stats.recordSuccess('c', 5)
  assert.deepEqual(selectNodes(nodes, stats, { model: 'm' }).map((c) => c.node.url), ['d', 'c', 'b', 'a'])
  assert.deepEqual(selectNodes(nodes, stats, { model: 'm', mode: 'vanilla' }).map((c) => c.node.url), ['c', 'b', 'a'])
  assert.deepEqual(selectNodes(nodes, stats, { model: 'm', maxPrice: 3n, mode: 'vanilla' }).map((c) => c.node.url), ['c', 'b'])
  stats.recordFailure('c')
  assert.deepEqual(selectNodes(nodes, stats, { model: 'm', mode: 'vanilla' }).map((c) => c.node.url), ['b', 'a', 'c'])
  // Latency is a moving average: one slow answer does not outweigh a record of fast ones.
  stats.recordSuccess('c', 5)
  stats.recordSuccess('c', 40)
  assert.ok(stats.latencyOf('c') < stats.latencyOf('b') + 10)
  assert.deepEqual(selectNodes(nodes, stats, { model: 'other' }), [])
  assert.deepEqual(selectNodes(nodes, stats, { model: 'm', kind: 'chat' }), [])
})
