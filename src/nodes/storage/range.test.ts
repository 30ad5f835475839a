import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseRange } from './range.ts'

test('parseRange reads one bytes range and clamps its end', () => {
  assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 })
  assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 })
  assert.deepEqual(parseRange('bytes=90-500', 100), { start: 90, end: 99 })
  assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 })
  assert.deepEqual(parseRange('bytes=-1000', 100), { start: 0, end: 99 })
})

test('parseRange ignores what it does not serve and flags unsatisfiable ranges', () => {
  assert.equal(parseRange(undefined, 100), 'ignore')
  assert.equal(parseRange('items=0-1', 100), 'ignore')
  assert.equal(parseRange('bytes=0-1,5-6', 100), 'ignore')
  assert.equal(parseRange('bytes=9-3', 100), 'ignore')
  assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable')
  assert.equal(parseRange('bytes=-0', 100), 'unsatisfiable')
  assert.equal(parseRange('bytes=0-', 0), 'unsatisfiable')
})
