import assert from 'node:assert/strict'
import { AttestationError } from './errors.ts'

/** The error code a verifier call fails with ('accepted' when it does not fail): what the attestation tests compare. */
export function codeOf(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof AttestationError, `expected an AttestationError, got ${String(error)}`)
    return error.code
  }
  return 'accepted'
}
