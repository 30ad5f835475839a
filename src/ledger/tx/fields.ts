/**
 * The strict RLP field readers of core/rlpFields.ts, failing with the ledger's ErrMalformedTx
 * (its ABCI code and codespace) instead of core's RlpFieldError, message unchanged.
 */
import * as fields from '../../core/rlpFields.ts'
import { ErrMalformedTx } from './errors.ts'

export type { RlpItem } from '../../core/rlpFields.ts'

/** `err` as the ledger reports it: an RlpFieldError becomes ErrMalformedTx with the same message. */
export function asMalformedTx(err: unknown): unknown {
  return err instanceof fields.RlpFieldError ? new ErrMalformedTx(err.shortMessage) : err
}

function ledgerReader<A extends unknown[], R>(read: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    try {
      return read(...args)
    } catch (err) {
      throw asMalformedTx(err)
    }
  }
}

export const readBytes = ledgerReader(fields.readBytes)
export const readUint = ledgerReader(fields.readUint)
export const readSmallUint = ledgerReader(fields.readSmallUint)
export const readAddress = ledgerReader(fields.readAddress)
export const readString = ledgerReader(fields.readString)
export const readList = ledgerReader(fields.readList)
