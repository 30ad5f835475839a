import { test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { toHex } from '../../core/bytes.ts'
import { addressOf, generatePrivateKey } from '../../core/keys.ts'
import { decodeVoucher, verifyVoucher } from '../../protocol/voucher.ts'
import { tempHome } from '../../../test/helpers/ledger.ts'
import { ChannelBudgetError, ChannelPayer } from './channelPayer.ts'

test('vouchers count up across restarts, are signed by the client, and stop at the deposit', async () => {
  const home = await tempHome('payer')
  try {
    const privateKey = generatePrivateKey()
    const key = { address: addressOf(privateKey), privateKey }
    const node = addressOf(generatePrivateKey())
    const stateFile = join(home.dir, 'vouchers.json')
    const channel = toHex(new Uint8Array(32).fill(3))
    const payer = await ChannelPayer.open({ key, chainId: 'c', stateFile })
    await payer.track(channel, node, 20n)
    const first = decodeVoucher(await payer.pay(node, toHex(new Uint8Array(32).fill(1)), 7n))
    assert.equal(first.cumulative, 7n)
    assert.equal(verifyVoucher(first), key.address)
    const again = await ChannelPayer.open({ key, chainId: 'c', stateFile })
    const second = decodeVoucher(await again.pay(node, toHex(new Uint8Array(32).fill(2)), 7n))
    assert.equal(second.cumulative, 14n)
    await assert.rejects(again.pay(node, toHex(new Uint8Array(32).fill(4)), 7n), ChannelBudgetError)
    await assert.rejects(again.pay(addressOf(generatePrivateKey()), toHex(new Uint8Array(32)), 1n), /no payment channel/)
  } finally {
    await home.cleanup()
  }
})
