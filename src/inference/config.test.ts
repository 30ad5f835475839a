import { test } from 'node:test'
import assert from 'node:assert/strict'
import { InferenceConfigError, parseInferenceConfig } from './config.ts'

test('receiptLog: sync and sizes are checked, and pass through when valid', () => {
  const parse = (receiptLog: unknown) => parseInferenceConfig({ receiptLog }, '/cfg/node.json', {})
  assert.deepEqual(parse({ sync: 'background', maxSegmentBytes: 65536 }).receiptLog, { sync: 'background', maxSegmentBytes: 65536, preallocateBytes: undefined })
  assert.equal(parse(undefined).receiptLog, undefined)
  assert.throws(() => parse({ sync: 'sometimes' }), (err: unknown) => err instanceof InferenceConfigError && /receiptLog.sync must be "per-append" or "background"/.test((err as Error).message))
  assert.throws(() => parse({ maxSegmentBytes: -1 }), /receiptLog.maxSegmentBytes must be a positive integer/)
  assert.throws(() => parse('big'), /"receiptLog" must be an object/)
})
