import { defineError } from '../errors.ts'

// codespace "payments": numbered once, never reused.
export const ErrInvalidPaymentMsg = defineError('payments', 2, 'invalid_payment_msg')
export const ErrChannelNotFound = defineError('payments', 3, 'channel_not_found')
export const ErrNotChannelClient = defineError('payments', 4, 'not_channel_client')
export const ErrChannelClosed = defineError('payments', 5, 'channel_closed')
export const ErrChallengePeriod = defineError('payments', 6, 'challenge_period_not_over')
export const ErrVoucherReplay = defineError('payments', 7, 'voucher_replay')
export const ErrVoucherOverspend = defineError('payments', 8, 'voucher_overspend')
export const ErrNotChannelNode = defineError('payments', 9, 'not_channel_node')
export const ErrInvalidPaymentsGenesis = defineError('payments', 10, 'invalid_genesis')
export const ErrChannelExists = defineError('payments', 11, 'channel_exists')
export const ErrInvalidVoucher = defineError('payments', 12, 'invalid_voucher')
