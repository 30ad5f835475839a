import { defineError } from '../errors.ts'

// codespace "tx": checks every transaction goes through before its message runs.
export const ErrMalformedTx = defineError('tx', 2, 'tx_malformed')
export const ErrUnsupportedVersion = defineError('tx', 3, 'tx_unsupported_version')
export const ErrWrongChainId = defineError('tx', 4, 'tx_wrong_chain_id')
export const ErrBadSignature = defineError('tx', 5, 'tx_bad_signature')
export const ErrWrongNonce = defineError('tx', 6, 'tx_wrong_nonce')
export const ErrInsufficientFee = defineError('tx', 7, 'tx_insufficient_funds_for_fee')
export const ErrOversize = defineError('tx', 8, 'tx_oversize')
export const ErrFeeTooLow = defineError('tx', 9, 'tx_fee_too_low')
export const ErrUnknownMsgType = defineError('tx', 10, 'tx_unknown_type')
export const ErrInternal = defineError('tx', 11, 'internal')
