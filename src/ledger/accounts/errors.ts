import { defineError } from '../errors.ts'

export const ErrInsufficientFunds = defineError('accounts', 2, 'insufficient_funds')
export const ErrInvalidAmount = defineError('accounts', 3, 'invalid_amount')
export const ErrInvalidGenesis = defineError('accounts', 4, 'invalid_genesis')
