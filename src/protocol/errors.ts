/**
 * The protocol's errors: thrown by its decoders and checks, with a stable `code` from
 * errorCodes.ts. The ledger turns them into its ABCI errors where it catches them (same code,
 * same message); an inference node sends the code in its HTTP error bodies.
 */
import { BaseError, type BaseErrorParameters } from '../core/errors.ts'
import { ErrorCode } from './errorCodes.ts'

/** Base of every error thrown by src/protocol, so callers can tell a bad message from a bug. */
export class ProtocolError extends BaseError {
  override name: string = 'ProtocolError'
  constructor(shortMessage: string, params: BaseErrorParameters & { code: string }) {
    super(shortMessage, params)
  }
}

/** A voucher that is malformed, not in its one canonical encoding, for another chain, channel or request, or not signed by the channel's client. */
export class InvalidVoucherError extends ProtocolError {
  override name = 'InvalidVoucherError' as const
  constructor(message: string) {
    super(message, { code: ErrorCode.invalidVoucher })
  }
}

/** Why a well-formed voucher signed by the client is still not accepted against its channel. */
export type VoucherRefusal = typeof ErrorCode.notChannelNode | typeof ErrorCode.channelClosed | typeof ErrorCode.voucherReplay | typeof ErrorCode.voucherOverspend

/** A valid voucher the channel's terms do not allow: another node's channel, a closed channel, too little (a replay) or more than the deposit. */
export class VoucherRefusedError extends ProtocolError {
  override name = 'VoucherRefusedError' as const
  declare readonly code: VoucherRefusal
  constructor({ code, message }: { code: VoucherRefusal; message: string }) {
    super(message, { code })
  }
}

/** A settlement batch's entries that break the batch format (an entry that is not [receipt, channel], a receipt twice, …). */
export class InvalidBatchError extends ProtocolError {
  override name = 'InvalidBatchError' as const
  constructor(message: string) {
    super(message, { code: ErrorCode.invalidBatch })
  }
}
