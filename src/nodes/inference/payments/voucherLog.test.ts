import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFile, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { toHex } from '../../../core/bytes.ts'
import { generatePrivateKey } from '../../../core/keys.ts'
import { signVoucher, voucherToHex } from '../../../protocol/voucher.ts'
import { tempHome } from '../../../../test/helpers/ledger.ts'
import { VoucherLog } from './voucherLog.ts'

const key = generatePrivateKey()
const ch = (n: number) => toHex(new Uint8Array(32).fill(n))
const v = (channel: number, cumulative: bigint) => signVoucher({ chainId: 'c', channelId: ch(channel), cumulative, requestHash: ch(1000 * channel + Number(cumulative)) }, key)

test('accepted vouchers survive a reopen, each findable by its request; a torn last line is dropped', async () => {
  const home = await tempHome('voucherlog')
  const path = join(home.dir, 'sub', 'vouchers.log')
  try {
    const log = await VoucherLog.open(path)
    await Promise.all([log.accept(v(1, 10n)), log.accept(v(2, 5n))])
    await log.accept(v(1, 20n))
    assert.throws(() => log.accept(v(1, 20n)), /not above the last accepted/)
    await log.close()
    await appendFile(path, voucherToHex(v(1, 99n)).slice(0, 50))
    const again = await VoucherLog.open(path)
    assert.equal(again.lastAccepted(ch(1)), 20n)
    assert.equal(again.lastAccepted(ch(2)), 5n)
    assert.equal(again.lastAccepted(ch(3)), 0n)
    assert.equal(again.latest(ch(1))?.cumulative, 20n)
    assert.deepEqual(again.channels(), [ch(1), ch(2)])
    // Settlement pairs every receipt with the voucher of its request, so older vouchers stay.
    const first = v(1, 10n)
    assert.equal(again.voucherOfRequest(first.requestHash)?.cumulative, 10n)
    await again.close()
    assert.equal((await readFile(path, 'utf8')).trim().split('\n').length, 3)
    await writeFile(path, `garbage\n${voucherToHex(v(1, 1n))}\n`)
    await assert.rejects(VoucherLog.open(path), /line 1 is not a voucher; refusing to start/)
  } finally {
    await home.cleanup()
  }
})
