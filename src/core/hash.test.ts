import { test } from 'node:test'
import assert from 'node:assert/strict'
import { keccak_256 as nobleKeccak } from '@noble/hashes/sha3'
import { keccak256, sha256, sha256Parts } from './hash.ts'
import { toHex, utf8 } from './bytes.ts'

test('keccak256 gives the published Ethereum vectors', () => {
  assert.equal(toHex(keccak256(new Uint8Array())), '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
  assert.equal(toHex(keccak256(utf8('abc'))), '0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45')
})

test('keccak256 agrees with @noble/hashes on every length around the 136-byte rate, and on views into larger buffers', () => {
  const big = new Uint8Array(700)
  for (let i = 0; i < big.length; i++) big[i] = (i * 131 + 7) & 0xff
  for (let length = 0; length <= 410; length++) {
    const view = big.subarray(3, 3 + length)
    assert.equal(toHex(keccak256(view)), toHex(nobleKeccak(view)), `length ${length}`)
  }
})

test('sha256Parts is sha256 of the concatenation, below and above its scratch buffer', () => {
  for (const sizes of [[0], [1, 2, 3], [4000, 96], [4096, 1], [5000, 7000]]) {
    const parts = sizes.map((n, k) => Uint8Array.from({ length: n }, (_, i) => (i + k) & 0xff))
    const joined = new Uint8Array(sizes.reduce((a, b) => a + b, 0))
    let at = 0
    for (const p of parts) { joined.set(p, at); at += p.length }
    assert.equal(toHex(sha256Parts(...parts)), toHex(sha256(joined)), sizes.join('+'))
  }
})
