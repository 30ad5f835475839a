/**
 * The protocol's voucher errors as the payments module's ABCI errors: same code, same message,
 * with the payments codespace and result code clients match on.
 */
import { InvalidVoucherError, type VoucherRefusal, VoucherRefusedError } from '../../protocol/errors.ts'
import { ErrChannelClosed, ErrInvalidVoucher, ErrNotChannelNode, ErrVoucherOverspend, ErrVoucherReplay } from './errors.ts'

const REFUSALS: Record<VoucherRefusal, new (message: string) => Error> = {
  not_channel_node: ErrNotChannelNode,
  channel_closed: ErrChannelClosed,
  voucher_replay: ErrVoucherReplay,
  voucher_overspend: ErrVoucherOverspend,
}

/** `err` as the payments module reports it; anything that is not a voucher error is returned as it is. */
export function asPaymentsError(err: unknown): unknown {
  if (err instanceof InvalidVoucherError) return new ErrInvalidVoucher(err.shortMessage)
  if (err instanceof VoucherRefusedError) return new REFUSALS[err.code](err.shortMessage)
  return err
}

/** Runs a voucher decode or check, throwing its failure as the payments module's error. */
export function withPaymentsErrors<T>(run: () => T): T {
  try {
    return run()
  } catch (err) {
    throw asPaymentsError(err)
  }
}
