import { test } from 'node:test'
import assert from 'node:assert/strict'
import { InvalidTensorError, toTypedData } from './tensor.ts'

test('integer values outside their type are refused, not wrapped', () => {
  assert.throws(() => toTypedData('x', { type: 'int8', dims: [1], data: [300] }), (e: unknown) => e instanceof InvalidTensorError && /outside the int8 range/.test((e as Error).message))
  assert.throws(() => toTypedData('x', { type: 'uint8', dims: [1], data: [-1] }), InvalidTensorError)
  assert.throws(() => toTypedData('x', { type: 'int64', dims: [1], data: ['9223372036854775808'] }), /outside the int64 range/)
  assert.throws(() => toTypedData('x', { type: 'uint64', dims: [1], data: ['-1'] }), /outside the uint64 range/)
  assert.deepEqual([...(toTypedData('x', { type: 'int8', dims: [2], data: [-128, 127] }) as Int8Array)], [-128, 127])
  assert.deepEqual([...(toTypedData('x', { type: 'int64', dims: [1], data: ['9223372036854775807'] }) as BigInt64Array)], [9223372036854775807n])
})
