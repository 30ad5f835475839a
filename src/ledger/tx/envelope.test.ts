import { test } from 'node:test'
import assert from 'node:assert/strict'
import { addressOf, generatePrivateKey } from '../../core/keys.ts'
import { decodeTx, encodeTx, signingDigest, signingDigestOfBytes, signTx } from './envelope.ts'
import { fuzzRuns } from '../../core/fuzz.testing.ts'

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

test('fuzz: every mutated transaction that decodes re-encodes to exactly its bytes (one encoding per transaction)', () => {
  const runs = fuzzRuns(20_000)
  const key = generatePrivateKey()
  const bases = [
    signTx({ chainId: 'chain', nonce: 5n, fee: 10n, type: 1, body: [new Uint8Array(20).fill(1), Uint8Array.of(7)] }, key).bytes,
    signTx({ chainId: 'chain', nonce: 0n, fee: 300n, type: 40, body: [[[new Uint8Array(120).fill(2), new Uint8Array(32)]], [], new Uint8Array(0), new Uint8Array(65)] }, key).bytes,
  ]
  let seed = 99
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n)
  let decoded = 0
  for (let i = 0; i < runs; i++) {
    const src = bases[i % bases.length]
    const m = Uint8Array.from(src)
    // Mostly the prefixes and the small fields near the front: where a second encoding could hide.
    const at = rand(4) === 0 ? rand(m.length) : rand(Math.min(m.length, 40))
    m[at] = rand(3) === 0 ? m[at] ^ (1 << rand(8)) : rand(256)
    let tx
    try {
      tx = decodeTx(m)
    } catch {
      continue
    }
    decoded++
    assert.deepEqual(encodeTx(tx), m, `decoded a second encoding: ${Buffer.from(m).toString('hex').slice(0, 160)}`)
  }
  assert.ok(decoded > runs / 20, `the fuzz decoded ${decoded} mutants`)
})
