/**
 * Registry errors, codespace "registry". Codes are never reused. A refused attestation is
 * reported as code 100 + n, where n is the position (from 1) of the attestation error code in
 * `ATTESTATION_ERROR_CODES` (append-only), and the log names the check that failed.
 */
import { ATTESTATION_ERROR_CODES, type AttestationErrorCode } from '../../attestation/errors.ts'
import { LedgerError, defineError } from '../errors.ts'

export const ErrInvalidGenesis = defineError('registry', 2, 'invalid_genesis')
export const ErrInvalidMessage = defineError('registry', 3, 'invalid_message')
export const ErrUnauthorized = defineError('registry', 4, 'unauthorized')
export const ErrAlreadyRegistered = defineError('registry', 5, 'already_registered')
export const ErrNotRegistered = defineError('registry', 6, 'not_registered')
export const ErrInsufficientStake = defineError('registry', 7, 'insufficient_stake')
export const ErrVanillaNotAllowed = defineError('registry', 8, 'vanilla_not_allowed')
export const ErrStaleNonce = defineError('registry', 9, 'stale_nonce')
export const ErrNotUnbonding = defineError('registry', 10, 'not_unbonding')
export const ErrStillUnbonding = defineError('registry', 11, 'still_unbonding')
export const ErrUnbonding = defineError('registry', 12, 'unbonding')
export const ErrNotAttested = defineError('registry', 13, 'not_attested')
export const ErrBadKeyProof = defineError('registry', 14, 'bad_key_proof')
export const ErrSigningKeyInUse = defineError('registry', 15, 'signing_key_in_use')

/** First code of the attestation range: code = ATTESTATION_CODE_BASE + index + 1. */
export const ATTESTATION_CODE_BASE = 100

/** An attestation that failed a check; `code` is `attestation_<check>`, e.g. `attestation_key_not_bound`. */
export class ErrAttestationRefused extends LedgerError {
  override name = 'LedgerError(registry/attestation_refused)'
  constructor(
    readonly check: AttestationErrorCode,
    message: string,
  ) {
    super('registry', ATTESTATION_CODE_BASE + ATTESTATION_ERROR_CODES.indexOf(check) + 1, `attestation_${check}`, `attestation refused (${check}): ${message}`)
  }
}
