import { test } from 'node:test'
import assert from 'node:assert/strict'
import { keccak256 } from './hash.ts'
import { utf8, toHex } from './bytes.ts'
import { addressOf, generatePrivateKey, parseAddress, privateKeyFromHex, recoverAddress, signDigest, InvalidPrivateKeyError, InvalidAddressError } from './keys.ts'

test('address derivation matches Ethereum (well-known test key)', () => {
  // Hardhat/anvil account #0: a public, widely published test key.
  const key = privateKeyFromHex('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
  assert.equal(addressOf(key), '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266')
})

test('sign then recover gives the signer; a changed digest or signature does not', () => {
  const key = generatePrivateKey()
  const digest = keccak256(utf8('hello'))
  const sig = signDigest(digest, key)
  assert.equal(recoverAddress(digest, sig), addressOf(key))
  assert.notEqual(recoverAddress(keccak256(utf8('hellp')), sig), addressOf(key))
  const bad = new Uint8Array(sig)
  bad[64] = 7
  assert.equal(recoverAddress(digest, bad), null)
  assert.equal(recoverAddress(digest, sig.subarray(0, 64)), null)
})

test('high-s signatures (the malleated twin) are refused', () => {
  const key = generatePrivateKey()
  const digest = keccak256(utf8('x'))
  const sig = signDigest(digest, key)
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
  const s = BigInt(toHex(sig.subarray(32, 64)))
  const high = new Uint8Array(sig)
  high.set(Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex'), 32)
  high[64] = sig[64] ^ 1
  assert.equal(recoverAddress(digest, high), null)
})

test('bad keys and addresses are clear errors', () => {
  assert.throws(() => privateKeyFromHex('0x00'), InvalidPrivateKeyError)
  assert.throws(() => privateKeyFromHex(`0x${'00'.repeat(32)}`), InvalidPrivateKeyError)
  assert.throws(() => parseAddress('0x1234'), InvalidAddressError)
  assert.equal(parseAddress('0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266'), '0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266')
})
