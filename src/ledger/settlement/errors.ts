import { defineError } from '../errors.ts'

export const ErrInvalidBatch = defineError('settlement', 2, 'invalid_batch')
export const ErrNodeNotActive = defineError('settlement', 3, 'node_not_active')
export const ErrBadBatchSignature = defineError('settlement', 4, 'bad_batch_signature')
export const ErrReceiptAlreadySettled = defineError('settlement', 5, 'receipt_already_settled')
export const ErrWrongPrice = defineError('settlement', 6, 'wrong_price')
export const ErrVoucherMismatch = defineError('settlement', 7, 'voucher_mismatch')
export const ErrUnsupportedMode = defineError('settlement', 8, 'unsupported_mode')
export const ErrInvalidEvidence = defineError('settlement', 9, 'invalid_evidence')
