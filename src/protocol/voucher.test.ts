import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RLP } from '@ethereumjs/rlp'
import { type Hex, toHex } from '../core/bytes.ts'
import { addressOf, generatePrivateKey } from '../core/keys.ts'
import { type ChannelTerms, type Voucher, checkVoucher, decodeVoucher, encodeVoucher, signVoucher, verifyVoucher, voucherToHex } from './voucher.ts'

const client = generatePrivateKey()
const node = addressOf(generatePrivateKey())
const channelId = toHex(new Uint8Array(32).fill(1))
const base: Voucher = { chainId: 'haca-test', channelId, cumulative: 150n, requestHash: toHex(new Uint8Array(32).fill(2)) }
const terms: ChannelTerms = { id: channelId, client: addressOf(client), node, deposit: 1000n, open: true }
const params = { chainId: 'haca-test', node, channel: terms, minCumulative: 100n }

test('a voucher round-trips through its encoding and verifies to the client', () => {
  const v = signVoucher(base, client)
  const back = decodeVoucher(voucherToHex(v))
  assert.deepEqual({ ...back, signature: toHex(back.signature) }, { ...v, signature: toHex(v.signature) })
  assert.equal(verifyVoucher(back), addressOf(client))
  assert.equal(checkVoucher(back, params), addressOf(client))
})

test('tampering with any signed field changes the signer, so the check fails', () => {
  const v = signVoucher(base, client)
  const tampered: Array<[string, Partial<Voucher>]> = [
    ['chainId', { chainId: 'haca-tesu' }],
    ['channelId', { channelId: toHex(new Uint8Array(32).fill(3)) }],
    ['cumulative', { cumulative: 151n }],
    ['requestHash', { requestHash: toHex(new Uint8Array(32).fill(4)) }],
  ]
  for (const [field, over] of tampered) {
    const t = decodeVoucher(encodeVoucher({ ...v, ...over }))
    assert.notEqual(verifyVoucher(t), addressOf(client), field)
    // Against a channel that matches the tampered field, the signature is what fails.
    const p = { ...params, chainId: t.chainId, channel: { ...terms, id: t.channelId } }
    assert.throws(() => checkVoucher(t, p), /not by the channel's client/, field)
  }
  const sig = new Uint8Array(v.signature)
  sig[10] ^= 1
  assert.throws(() => checkVoucher({ ...v, signature: sig }, params), /not by the channel's client|does not verify/)
  sig[64] = 7
  assert.throws(() => verifyVoucher({ ...v, signature: sig }), /does not verify/)
})

test('the check refuses the wrong chain, channel, node, a closed channel, too little and too much', () => {
  const v = signVoucher(base, client)
  assert.throws(() => checkVoucher(v, { ...params, chainId: 'other' }), /for chain "haca-test", not "other"/)
  assert.throws(() => checkVoucher(v, { ...params, channel: { ...terms, id: toHex(new Uint8Array(32)) } }), /is for channel/)
  assert.throws(() => checkVoucher(v, { ...params, node: addressOf(generatePrivateKey()) }), { name: 'VoucherRefusedError', code: 'not_channel_node' })
  assert.throws(() => checkVoucher(v, { ...params, channel: { ...terms, open: false } }), /closing or closed/)
  assert.throws(() => checkVoucher(v, { ...params, minCumulative: 151n }), { name: 'VoucherRefusedError', code: 'voucher_replay', message: /below the 151 required/ })
  assert.throws(() => checkVoucher(v, { ...params, channel: { ...terms, deposit: 149n } }), { code: 'voucher_overspend' })
  const other = signVoucher(base, generatePrivateKey())
  assert.throws(() => checkVoucher(other, params), /not by the channel's client/)
})

test('malformed and non-canonical encodings are refused', () => {
  const v = signVoucher(base, client)
  assert.throws(() => decodeVoucher('0x1234'), { name: 'InvalidVoucherError', code: 'invalid_voucher', message: /malformed voucher/ })
  assert.throws(() => decodeVoucher('nothex'), /malformed voucher/)
  const items = RLP.decode(encodeVoucher(v)) as Uint8Array[]
  const padded = RLP.encode([items[0], items[1], Uint8Array.of(0, ...items[2]), items[3], items[4]])
  assert.throws(() => decodeVoucher(padded), /leading zero/)
  const short = RLP.encode([items[0], items[1], items[2], items[3].subarray(1), items[4]])
  assert.throws(() => decodeVoucher(short), /requestHash: expected 32 bytes/)
  assert.throws(() => decodeVoucher(RLP.encode(items.slice(0, 4))), /expected 5 items/)
  const hex: Hex = voucherToHex(v)
  assert.equal(decodeVoucher(hex.toUpperCase().replace('0X', '0x')).cumulative, 150n)
})
