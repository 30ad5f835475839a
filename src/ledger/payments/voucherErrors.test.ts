import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LedgerError } from '../errors.ts'
import { ErrorCode } from '../../protocol/errorCodes.ts'
import { InvalidBatchError, InvalidVoucherError, type VoucherRefusal, VoucherRefusedError } from '../../protocol/errors.ts'
import { asPaymentsError, withPaymentsErrors } from './voucherErrors.ts'

test('each protocol voucher error becomes the payments error with its code, result code and message', () => {
  const cases: Array<[Error, number]> = [
    [new InvalidVoucherError('malformed voucher: x'), 12],
    ...([[ErrorCode.notChannelNode, 9], [ErrorCode.channelClosed, 5], [ErrorCode.voucherReplay, 7], [ErrorCode.voucherOverspend, 8]] as Array<[VoucherRefusal, number]>)
      .map(([code, abciCode]): [Error, number] => [new VoucherRefusedError({ code, message: `refused: ${code}` }), abciCode]),
  ]
  for (const [err, abciCode] of cases) {
    const mapped = asPaymentsError(err)
    assert.ok(mapped instanceof LedgerError, err.message)
    assert.equal(mapped.codespace, 'payments')
    assert.equal(mapped.abciCode, abciCode)
    assert.equal(mapped.code, (err as InvalidVoucherError).code)
    assert.equal(mapped.shortMessage, err.message)
  }
})

test('errors that are not about vouchers pass through unchanged', () => {
  const other = new InvalidBatchError('not a voucher')
  assert.equal(asPaymentsError(other), other)
  assert.throws(() => withPaymentsErrors(() => { throw other }), (e) => e === other)
  assert.throws(() => withPaymentsErrors(() => { throw new InvalidVoucherError('bad') }), { name: 'LedgerError(payments/invalid_voucher)', message: 'bad' })
})
