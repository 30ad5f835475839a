/**
 * Ledger errors carry an ABCI result code and codespace (the module), numbered per module and
 * never reused, as in Cosmos SDK: clients match on (codespace, code), humans read the log.
 */
import { BaseError } from '../core/errors.ts'

export class LedgerError extends BaseError {
  override name = 'LedgerError'
  constructor(
    readonly codespace: string,
    readonly abciCode: number,
    code: string,
    message: string,
  ) {
    super(message, { code })
  }
}

/** Declares a module's error: `const ErrX = defineError('accounts', 2, 'insufficient_funds')`. */
export function defineError(codespace: string, abciCode: number, code: string) {
  return class extends LedgerError {
    override name = `LedgerError(${codespace}/${code})`
    static readonly codespace = codespace
    static readonly abciCode = abciCode
    constructor(message: string) {
      super(codespace, abciCode, code, message)
    }
  }
}
