import { test } from 'node:test'
import assert from 'node:assert/strict'
import { BaseError } from '../core/errors.ts'
import { formatError } from './output.ts'

test('a typed error prints its message and hint; JSON has code, message, hint; no stack unless verbose', () => {
  const err = new BaseError('cannot reach ledger node at http://127.0.0.1:9/: connection refused', { code: 'connection_refused', hint: 'start one with `haca dev`' })
  assert.equal(formatError(err), 'error: cannot reach ledger node at http://127.0.0.1:9/: connection refused\nhint: start one with `haca dev`')
  assert.deepEqual(JSON.parse(formatError(err, { json: true })), { error: { code: 'connection_refused', message: err.shortMessage, hint: 'start one with `haca dev`' } })
  assert.match(formatError(err, { verbose: true }), /\n\nBaseError: cannot reach[^\n]*\n\s+at /)
  assert.match(JSON.parse(formatError(err, { json: true, verbose: true })).error.stack, /^BaseError: /)
})

test('an untyped network failure is still named; any other untyped error says it is unexpected', () => {
  const raw = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) })
  assert.match(formatError(raw), /^error: cannot reach .*: connection refused\nhint: nothing is listening there/)
  assert.equal(JSON.parse(formatError(raw, { json: true })).error.code, 'connection_refused')
  const bug = new RangeError('index out of range')
  assert.equal(formatError(bug), 'error: index out of range\n(unexpected: run again with --verbose for the stack, and please report it)')
  assert.deepEqual(JSON.parse(formatError(bug, { json: true })), { error: { code: 'internal_error', message: 'index out of range' } })
})
