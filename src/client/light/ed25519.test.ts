/**
 * The Node (OpenSSL) and browser (@noble/curves) Ed25519 checks, side by side: the RFC 8032
 * test vector, a real signature, and the same refusals for anything changed or malformed.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import { ed25519Verify as nodeVerify } from './ed25519.ts'
import { ed25519Verify as browserVerify } from './ed25519.browser.ts'

const twins = [['node:crypto', nodeVerify], ['@noble/curves', browserVerify]] as const
const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'))

test('both Ed25519 twins accept RFC 8032 test 2 and a fresh signature, and refuse the same changes', () => {
  // RFC 8032 section 7.1, TEST 2 (one-byte message 0x72).
  const rfcKey = hex('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c')
  const rfcSig = hex('92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00')
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519')
  const key = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(-32))
  const message = new TextEncoder().encode('a canonical vote')
  const sig = new Uint8Array(crypto.sign(null, message, privateKey))
  const flip = (b: Uint8Array, i: number) => b.map((x, j) => (j === i ? x ^ 1 : x))
  const cases: Array<[string, Uint8Array, Uint8Array, Uint8Array, boolean]> = [
    ['RFC 8032 test 2', rfcKey, hex('72'), rfcSig, true],
    ['fresh signature', key, message, sig, true],
    ['changed message', key, flip(message, 0), sig, false],
    ['changed R', key, message, flip(sig, 3), false],
    ['changed S', key, message, flip(sig, 40), false],
    ['other key', rfcKey, message, sig, false],
    ['short signature', key, message, sig.subarray(0, 63), false],
    ['short key', key.subarray(0, 31), message, sig, false],
    ['S not reduced', key, message, new Uint8Array([...sig.subarray(0, 32), ...new Uint8Array(32).fill(0xff)]), false],
  ]
  for (const [name, k, m, s, want] of cases) for (const [impl, verify] of twins) assert.equal(verify(k, m, s), want, `${name} under ${impl}`)
})
