import { test } from 'node:test'
import assert from 'node:assert/strict'
import { addressOf, generatePrivateKey } from '../../core/keys.ts'
import { decodeTx, encodeTx, signingDigest, signingDigestOfBytes, signTx } from './envelope.ts'

test('the signing digest from the bytes equals the one from the fields, for short and long transactions', () => {
  const key = generatePrivateKey()
  for (const size of [0, 1, 10, 100, 1000, 70_000]) {
    const body = size === 0 ? [] : [new Uint8Array(size).fill(7)]
    const { bytes } = signTx({ chainId: 'chain', nonce: BigInt(size), fee: 10n, type: 1, body }, key)
    const tx = decodeTx(bytes)
    assert.deepEqual(signingDigestOfBytes(bytes), signingDigest(tx))
    assert.deepEqual(encodeTx(tx), bytes)
    assert.equal(tx.from, addressOf(key))
  }
})
