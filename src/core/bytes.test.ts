import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bigintToBytes, bytesToBigint, fromHex, toHex } from './bytes.ts'

test('fromHex accepts exactly even-length hex (with or without 0x) and checks the size', () => {
  const valid = /^(0x)?([0-9a-fA-F]{2})*$/
  const cases = ['0x', '', '0x00', 'ab', '0xAbCd', '0xabc', '0xzz', '0x0g', 'g0', '0x 0', '0x00 ', '0x-1', '00x0', '0x0x00', '0xffFF01', `0x${'a'.repeat(64)}`, `0x${'a'.repeat(63)}g`]
  for (const c of cases) {
    if (valid.test(c)) assert.equal(toHex(fromHex(c)), `0x${c.replace(/^0x/, '').toLowerCase()}`, c)
    else assert.throws(() => fromHex(c), /is not a hex string/, c)
  }
  assert.throws(() => fromHex('0x0011', 3), /of 3 bytes/)
  assert.equal(fromHex('0x0011', 2).length, 2)
  assert.throws(() => fromHex(7 as unknown as string), /not a hex string/)
})

test('bytesToBigint and bigintToBytes round-trip across the small-integer fast path', () => {
  for (const n of [0n, 1n, 255n, 256n, 2n ** 47n - 1n, 2n ** 48n - 1n, 2n ** 48n, 2n ** 64n + 5n, 10n ** 30n]) {
    assert.equal(bytesToBigint(bigintToBytes(n)), n)
  }
  assert.equal(bytesToBigint(Uint8Array.of(0, 0, 1)), 1n)
})
