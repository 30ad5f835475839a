/**
 * Errors of attestation verification and policy. Every failure carries a stable `code` that
 * names the check that failed, so the ledger can put it in a transaction result and a node
 * operator can tell "wrong software" from "wrong clock" without reading messages.
 */
import { BaseError } from '../core/errors.ts'

/**
 * Every code an attestation check can fail with. Append only: the ledger may number them by
 * position (index + 1) in transaction results, so a code is never removed, reordered or
 * reused for another meaning.
 */
export const ATTESTATION_ERROR_CODES = [
  // decoding and cryptography (verifyNitroDocument, verifyDcapQuote)
  'malformed_document',
  'untrusted_root',
  'bad_certificate_chain',
  'certificate_expired',
  'bad_signature',
  'collateral_expired',
  'quote_invalid',
  'tcb_out_of_date',
  'tcb_revoked',
  // policy (checkAttestationPolicy)
  'attestation_kind_not_allowed',
  'debug_enclave',
  'measurement_not_allowed',
  'tcb_status_too_low',
  'attestation_expired',
  'attestation_from_future',
  'key_not_bound',
  'nonce_mismatch',
] as const

export type AttestationErrorCode = (typeof ATTESTATION_ERROR_CODES)[number]

/** Base of every attestation error; `code` says which check failed. */
export class AttestationError extends BaseError {
  override name: string = 'AttestationError'
  declare readonly code: AttestationErrorCode
  constructor(shortMessage: string, params: { code: AttestationErrorCode; cause?: unknown; details?: string }) {
    super(shortMessage, params)
  }
}

export class MalformedDocumentError extends AttestationError {
  override name = 'MalformedDocumentError' as const
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`attestation document is malformed: ${reason}`, { code: 'malformed_document', cause })
  }
}

export class UntrustedRootError extends AttestationError {
  override name = 'UntrustedRootError' as const
  constructor({ fingerprint }: { fingerprint: string }) {
    super(`attestation chains to a root that is not trusted (sha256 ${fingerprint})`, { code: 'untrusted_root' })
  }
}

export class CertificateChainError extends AttestationError {
  override name = 'CertificateChainError' as const
  constructor({ reason }: { reason: string }) {
    super(`attestation certificate chain is invalid: ${reason}`, { code: 'bad_certificate_chain' })
  }
}

export class CertificateExpiredError extends AttestationError {
  override name = 'CertificateExpiredError' as const
  constructor({ subject, validFrom, validTo, now }: { subject: string; validFrom: string; validTo: string; now: number }) {
    super(`certificate "${subject}" is not valid at ${new Date(now).toISOString()}`, {
      code: 'certificate_expired',
      details: `valid from ${validFrom} to ${validTo}`,
    })
  }
}

export class BadSignatureError extends AttestationError {
  override name = 'BadSignatureError' as const
  constructor({ what }: { what: string }) {
    super(`${what} signature does not verify`, { code: 'bad_signature' })
  }
}

export class CollateralExpiredError extends AttestationError {
  override name = 'CollateralExpiredError' as const
  constructor({ reason }: { reason: string }) {
    super(`quote collateral is not valid at the given time: ${reason}`, { code: 'collateral_expired' })
  }
}

export class QuoteInvalidError extends AttestationError {
  override name = 'QuoteInvalidError' as const
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`DCAP quote does not verify: ${reason}`, { code: 'quote_invalid', cause })
  }
}

export class TcbOutOfDateError extends AttestationError {
  override name = 'TcbOutOfDateError' as const
  constructor({ reason }: { reason: string }) {
    super(`platform TCB is out of date: ${reason}`, { code: 'tcb_out_of_date' })
  }
}

export class TcbRevokedError extends AttestationError {
  override name = 'TcbRevokedError' as const
  constructor() {
    super('platform TCB is revoked', { code: 'tcb_revoked' })
  }
}

export class AttestationKindNotAllowedError extends AttestationError {
  override name = 'AttestationKindNotAllowedError' as const
  constructor({ kind }: { kind: string }) {
    super(`policy allows no ${kind} attestations`, { code: 'attestation_kind_not_allowed' })
  }
}

export class DebugEnclaveError extends AttestationError {
  override name = 'DebugEnclaveError' as const
  constructor({ reason }: { reason: string }) {
    super(`attestation comes from a debug enclave: ${reason}`, { code: 'debug_enclave' })
  }
}

export class MeasurementNotAllowedError extends AttestationError {
  override name = 'MeasurementNotAllowedError' as const
  constructor({ measurement }: { measurement: string }) {
    super(`measurement is not allowed for this node type: ${measurement}`, { code: 'measurement_not_allowed' })
  }
}

export class TcbStatusTooLowError extends AttestationError {
  override name = 'TcbStatusTooLowError' as const
  constructor({ status, minimum }: { status: string; minimum: string }) {
    super(`TCB status ${status} is below the minimum ${minimum}`, { code: 'tcb_status_too_low' })
  }
}

export class AttestationExpiredError extends AttestationError {
  override name = 'AttestationExpiredError' as const
  constructor({ ageMs, maxAgeMs }: { ageMs: number; maxAgeMs: number }) {
    super(`attestation is ${Math.round(ageMs / 1000)} s old; at most ${Math.round(maxAgeMs / 1000)} s is allowed`, {
      code: 'attestation_expired',
    })
  }
}

export class AttestationFromFutureError extends AttestationError {
  override name = 'AttestationFromFutureError' as const
  constructor({ aheadMs }: { aheadMs: number }) {
    super(`attestation timestamp is ${Math.round(aheadMs / 1000)} s after the verification time`, {
      code: 'attestation_from_future',
    })
  }
}

export class KeyNotBoundError extends AttestationError {
  override name = 'KeyNotBoundError' as const
  constructor({ reason }: { reason: string }) {
    super(`node key is not bound to the attestation: ${reason}`, { code: 'key_not_bound' })
  }
}

export class NonceMismatchError extends AttestationError {
  override name = 'NonceMismatchError' as const
  constructor({ reason = 'the attestation does not answer the expected nonce' }: { reason?: string } = {}) {
    super(`attestation nonce check failed: ${reason}`, { code: 'nonce_mismatch' })
  }
}
