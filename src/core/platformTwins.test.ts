/**
 * The Node and browser implementations of secp256k1, hashing and byte helpers (X.ts and
 * X.browser.ts, swapped by package.json's `browser` field) on the same vectors: same outputs,
 * same refusals. Node runs both; test/browser.test.ts runs the browser ones in Chromium.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { secp256k1 as native } from './secp256k1.ts'
import { secp256k1 as noble } from './secp256k1.browser.ts'
import * as nodeHash from './hash.ts'
import * as browserHash from './hash.browser.ts'
import * as nodeBytes from './bytesPlatform.ts'
import * as browserBytes from './bytesPlatform.browser.ts'

const hex = (b: Uint8Array) => nodeBytes.toHex(b)
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

function scalar(n: bigint): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * (31 - i))) & 0xffn))
}

/** What a call gives: its bytes/value, or that it threw. */
function outcome(f: () => unknown): string {
  try {
    const v = f()
    if (v instanceof Uint8Array) return hex(v)
    if (v && typeof v === 'object') return JSON.stringify(v, (_, x) => (x instanceof Uint8Array ? hex(x) : x))
    return String(v)
  } catch {
    return 'throws'
  }
}

const twins = [['libsecp256k1', native], ['@noble/curves', noble]] as const

function same(what: string, f: (impl: typeof native) => unknown): string {
  const [a, b] = twins.map(([, impl]) => outcome(() => f(impl)))
  assert.equal(b, a, `${what}: @noble/curves gave ${b}, libsecp256k1 ${a}`)
  return a
}

test('sha256 and keccak256: both implementations give the published vectors and agree on lengths around the block sizes', () => {
  for (const h of [nodeHash, browserHash]) {
    assert.equal(hex(h.sha256(new TextEncoder().encode('abc'))), '0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    assert.equal(hex(h.keccak256(new Uint8Array())), '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
    assert.equal(hex(h.keccak256(new TextEncoder().encode('abc'))), '0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45')
  }
  const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31 + 3) & 0xff)
  for (const length of [0, 1, 55, 56, 63, 64, 65, 135, 136, 137, 4096, 4097, 5000]) {
    const view = data.subarray(1, 1 + Math.min(length, 4999))
    assert.equal(hex(browserHash.sha256(view)), hex(nodeHash.sha256(view)), `sha256 of ${length}`)
    assert.equal(hex(browserHash.keccak256(view)), hex(nodeHash.keccak256(view)), `keccak256 of ${length}`)
    assert.equal(browserHash.sha256Binary(view), nodeHash.sha256Binary(view), `sha256Binary of ${length}`)
    const parts = [view.subarray(0, length >> 1), view.subarray(length >> 1), new Uint8Array(3)]
    assert.equal(hex(browserHash.sha256Parts(...parts)), hex(nodeHash.sha256Parts(...parts)), `sha256Parts of ${length}`)
  }
})

test('byte helpers: both implementations agree on hex, latin1, comparison and concatenation, and refuse the same hex', () => {
  const samples = [new Uint8Array(), Uint8Array.of(0), Uint8Array.of(0xff, 0x10, 0x0a), Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff)]
  for (const b of samples) {
    assert.equal(browserBytes.toHex(b), nodeBytes.toHex(b))
    assert.equal(browserBytes.latin1String(b), nodeBytes.latin1String(b))
    assert.equal(hex(browserBytes.concatBytes(b, b, Uint8Array.of(1))), hex(nodeBytes.concatBytes(b, b, Uint8Array.of(1))))
    for (const c of samples) assert.equal(browserBytes.equalBytes(b, c), nodeBytes.equalBytes(b, c))
  }
  for (const digits of ['', '00', 'aBcD', 'ff10', '0g', 'g0', ' 0', 'zz', '-1', 'abcdef0123456789ABCDEF', '0x', 'a\u0100']) {
    const length = digits.length >>> 1
    const [a, b] = [nodeBytes, browserBytes].map((m) => {
      const r = m.decodeHexDigits(digits, length)
      return r === undefined ? 'refused' : hex(r)
    })
    assert.equal(b, a, `hex digits "${digits}"`)
  }
  assert.equal(browserBytes.allocUnsafeBytes(70).length, 70)
})

test('secp256k1: both implementations derive, sign, recover and verify identically', () => {
  const keys = [1n, 2n, 3n, N - 1n, N >> 1n, 0xc0ffeen, 0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318n].map(scalar)
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]
    assert.equal(same(`privateKeyVerify ${k}`, (s) => s.privateKeyVerify(key)), 'true')
    same(`publicKeyCreate compressed ${k}`, (s) => s.publicKeyCreate(key, true))
    const uncompressed = native.publicKeyCreate(key, false)
    const compressed = native.publicKeyCreate(key, true)
    same(`publicKeyCreate uncompressed ${k}`, (s) => s.publicKeyCreate(key, false))
    same(`publicKeyConvert ${k}`, (s) => s.publicKeyConvert(uncompressed, true))
    same(`publicKeyConvert back ${k}`, (s) => s.publicKeyConvert(compressed, false))
    assert.equal(same(`publicKeyVerify ${k}`, (s) => s.publicKeyVerify(compressed)), 'true')
    for (let m = 0; m < 4; m++) {
      const digest = nodeHash.sha256(Uint8Array.of(k, m))
      const signed = native.ecdsaSign(digest, key)
      same(`ecdsaSign ${k}/${m}`, (s) => s.ecdsaSign(digest, key))
      const sig = signed.signature
      assert.equal(same(`ecdsaVerify ${k}/${m}`, (s) => s.ecdsaVerify(sig, digest, compressed)), 'true')
      assert.equal(same(`ecdsaRecover ${k}/${m}`, (s) => s.ecdsaRecover(sig, signed.recid, digest, true)), hex(compressed))
      same(`ecdsaRecover other recid ${k}/${m}`, (s) => s.ecdsaRecover(sig, signed.recid ^ 1, digest, true))
      // The high-s twin: normalised back, refused by verify.
      const s = BigInt(hex(sig.subarray(32)))
      const high = new Uint8Array(64)
      high.set(sig.subarray(0, 32))
      high.set(scalar(N - s), 32)
      assert.equal(same(`signatureNormalize ${k}/${m}`, (impl) => impl.signatureNormalize(new Uint8Array(high))), hex(sig))
      assert.equal(same(`ecdsaVerify high-s ${k}/${m}`, (impl) => impl.ecdsaVerify(high, digest, compressed)), 'false', `high-s ${k}/${m}`)
      const other = Uint8Array.from(digest, (x, i) => (i === 0 ? x ^ 1 : x))
      assert.equal(same(`ecdsaVerify other digest ${k}/${m}`, (impl) => impl.ecdsaVerify(sig, other, compressed)), 'false')
    }
  }
})

test('secp256k1: both implementations refuse the same malformed keys, signatures and digests', () => {
  const key = scalar(0xc0ffeen)
  const pub = native.publicKeyCreate(key, true)
  const digest = nodeHash.sha256(Uint8Array.of(9))
  const { signature, recid } = native.ecdsaSign(digest, key)
  const badKeys = [scalar(0n), scalar(N), scalar(N + 1n), new Uint8Array(31), new Uint8Array(33).fill(1)]
  for (const [i, bad] of badKeys.entries()) {
    assert.equal(same(`privateKeyVerify bad ${i}`, (s) => s.privateKeyVerify(bad)), bad.length === 32 ? 'false' : 'throws')
    assert.equal(same(`publicKeyCreate bad ${i}`, (s) => s.publicKeyCreate(bad, true)), 'throws')
    assert.equal(same(`ecdsaSign bad key ${i}`, (s) => s.ecdsaSign(digest, bad)), 'throws')
  }
  const badPubs = [new Uint8Array(33), Uint8Array.of(0x02, ...new Uint8Array(32).fill(0xff)), Uint8Array.of(0x05, ...pub.subarray(1)), pub.subarray(0, 32), new Uint8Array(65).fill(4)]
  for (const [i, bad] of badPubs.entries()) {
    assert.equal(same(`publicKeyVerify bad ${i}`, (s) => s.publicKeyVerify(bad)), bad.length === 32 ? 'throws' : 'false')
    assert.equal(same(`publicKeyConvert bad ${i}`, (s) => s.publicKeyConvert(bad, false)), 'throws')
  }
  const r = signature.subarray(0, 32)
  const sWith = (s: Uint8Array) => Uint8Array.of(...r, ...s)
  const badSigs = [sWith(scalar(0n)), Uint8Array.of(...scalar(0n), ...signature.subarray(32)), sWith(scalar(N)), Uint8Array.of(...scalar(N + 5n), ...signature.subarray(32)), new Uint8Array(64).fill(0xff)]
  for (const [i, bad] of badSigs.entries()) {
    same(`signatureNormalize bad ${i}`, (s) => s.signatureNormalize(new Uint8Array(bad)))
    same(`ecdsaRecover bad ${i}`, (s) => s.ecdsaRecover(bad, recid, digest, true))
    same(`ecdsaVerify bad ${i}`, (s) => s.ecdsaVerify(bad, digest, pub))
  }
  assert.equal(same('ecdsaSign short digest', (s) => s.ecdsaSign(digest.subarray(0, 31), key)), 'throws')
  assert.equal(same('ecdsaRecover short digest', (s) => s.ecdsaRecover(signature, recid, digest.subarray(0, 31), true)), 'throws')
  assert.equal(same('ecdsaRecover recid 4', (s) => s.ecdsaRecover(signature, 4, digest, true)), 'throws')
  assert.equal(same('ecdsaVerify short signature', (s) => s.ecdsaVerify(signature.subarray(0, 63), digest, pub)), 'throws')
})

test('base64 and sha256Into: both implementations agree, and malformed base64 never round-trips', () => {
  for (const n of [0, 1, 2, 3, 4, 5, 31, 32, 33, 1000, 0x8000 + 7]) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff)
    const text = nodeBytes.toBase64(bytes)
    assert.equal(browserBytes.toBase64(bytes), text, `toBase64 of ${n} bytes`)
    assert.deepEqual(browserBytes.fromBase64Lenient(text), nodeBytes.fromBase64Lenient(text), `fromBase64Lenient of ${n} bytes`)
    const a = new Uint8Array(40).fill(7)
    const b = new Uint8Array(40).fill(7)
    nodeHash.sha256Into(bytes, a, 5)
    browserHash.sha256Into(bytes, b, 5)
    assert.deepEqual(a, b, `sha256Into of ${n} bytes`)
    assert.deepEqual(a.subarray(5, 37), nodeHash.sha256(bytes))
    assert.deepEqual([a[4], a[37]], [7, 7], 'nothing written outside the digest')
  }
  for (const bad of ['AAA', 'AA=A', 'A A=', 'AA\n==', '-_8=', 'AAAA=']) {
    for (const impl of [nodeBytes, browserBytes]) {
      const decoded = impl.fromBase64Lenient(bad)
      assert.ok(decoded === undefined || impl.toBase64(decoded) !== bad, `${JSON.stringify(bad)} round-trips`)
    }
  }
})
