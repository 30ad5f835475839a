import { BaseError } from '../../../core/errors.ts'

export class InvalidAmountError extends BaseError {
  override name = 'InvalidAmountError' as const
  constructor(what: string, value: string) {
    super(`${what} must be a non-negative integer in base units, got "${value}"`, { code: 'invalid_amount' })
  }
}

export function parseAmount(what: string, value: string): bigint {
  if (!/^[0-9]+$/.test(value)) throw new InvalidAmountError(what, value)
  return BigInt(value)
}
