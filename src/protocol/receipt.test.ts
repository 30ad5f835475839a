import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generatePrivateKey, addressOf } from '../core/keys.ts'
import { toHex } from '../core/bytes.ts'
import { canonicalJson, hashRequest, NonCanonicalValueError } from './canonicalJson.ts'
import {
  type UnsignedReceipt, InvalidReceiptError, decodeReceipt, decodeReceiptFields, encodeReceipt, encodeUnsignedReceipt,
  receiptFromHex, receiptFromJson, receiptToHex, receiptToJson, signAndEncodeReceipt, signReceipt, verifyReceipt,
} from './receipt.ts'
import { newReceiptId } from './receiptId.ts'
import { fuzzRuns } from '../core/fuzz.testing.ts'

const key = generatePrivateKey()
const node = addressOf(key)

function unsigned(over: Partial<UnsignedReceipt> = {}): UnsignedReceipt {
  const requestHash = hashRequest({ model: 'm', inputs: {} })
  return {
    version: 1, id: newReceiptId(node, requestHash), node, model: 'mnist-v1', mode: 'vanilla',
    requestHash, responseHash: toHex(new Uint8Array(32).fill(7)), price: 1234567890123456789n, timestamp: 1_764_000_000_000,
    ...over,
  }
}

test('canonical JSON sorts keys, drops whitespace and undefined members', () => {
  assert.equal(canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 1.5, y: undefined, a: -0.1 } }), '{"a":[true,null,"x"],"b":1,"c":{"a":-0.1,"z":1.5}}')
  assert.equal(hashRequest({ a: 1, b: 2 }), hashRequest(JSON.parse('{ "b" : 2 , "a" : 1 }')))
  assert.notEqual(hashRequest({ a: 1 }), hashRequest({ a: 2 }))
  assert.throws(() => canonicalJson({ x: [NaN] }), (e: unknown) => e instanceof NonCanonicalValueError && /\.x\[0\]/.test(e.message))
})

test('a signed receipt verifies, round-trips through hex and JSON, and encodes deterministically', () => {
  const u = unsigned()
  assert.deepEqual(encodeUnsignedReceipt(u), encodeUnsignedReceipt({ ...u }))
  const r = signReceipt(u, key)
  assert.equal(r.signature.length, 2 + 130)
  assert.deepEqual(verifyReceipt(r, { node, requestHash: u.requestHash, responseHash: u.responseHash, model: 'mnist-v1', mode: 'vanilla', maxPrice: u.price }), { ok: true, signer: node })
  assert.deepEqual(receiptFromHex(receiptToHex(r)), r)
  assert.deepEqual(receiptFromJson(JSON.parse(JSON.stringify(receiptToJson(r)))), r)
  assert.deepEqual(decodeReceipt(encodeReceipt(r)), r)
  // The node's one-pass signing gives the same receipt and exactly the wire form encodeReceipt writes.
  const both = signAndEncodeReceipt(u, key, { keyAddress: node })
  assert.deepEqual(both.receipt, r)
  assert.deepEqual(both.wire, encodeReceipt(r))
})

test('every signed field is covered by the signature', () => {
  const r = signReceipt(unsigned(), key)
  const changes: Partial<UnsignedReceipt>[] = [
    { id: toHex(new Uint8Array(32)) }, { model: 'other' }, { mode: 'tee' }, { requestHash: toHex(new Uint8Array(32)) },
    { responseHash: toHex(new Uint8Array(32)) }, { price: r.price + 1n }, { timestamp: r.timestamp + 1 }, { node: addressOf(generatePrivateKey()) },
  ]
  for (const change of changes) {
    const result = verifyReceipt({ ...r, ...change })
    assert.equal(result.ok, false, `changing ${Object.keys(change)[0]} must break the signature`)
    if (!result.ok) assert.equal(result.failed, 'signature')
  }
})

test('expectations name the check that failed', () => {
  const r = signReceipt(unsigned(), key)
  const other = addressOf(generatePrivateKey())
  const cases: [Parameters<typeof verifyReceipt>[1], string][] = [
    [{ node: other }, 'node'],
    [{ requestHash: hashRequest({}) }, 'requestHash'],
    [{ responseHash: hashRequest({}) }, 'responseHash'],
    [{ model: 'x' }, 'model'],
    [{ mode: 'zkml' }, 'mode'],
    [{ maxPrice: 1n }, 'price'],
  ]
  for (const [expect, failed] of cases) {
    const result = verifyReceipt(r, expect)
    assert.equal(result.ok, false)
    if (!result.ok) assert.equal(result.failed, failed)
  }
  const bad = verifyReceipt({ ...r, signature: '0x1234' })
  assert.equal(bad.ok, false)
  if (!bad.ok) assert.equal(bad.failed, 'signature')
})

test('signing refuses a node field that is not the key, and malformed wire forms are typed errors', () => {
  assert.throws(() => signReceipt(unsigned({ node: addressOf(generatePrivateKey()) }), key), InvalidReceiptError)
  assert.throws(() => signReceipt(unsigned({ mode: 'magic' as 'tee' }), key), /unknown mode/)
  assert.throws(() => signReceipt(unsigned({ price: -1n }), key), /non-negative/)
  assert.throws(() => receiptFromHex('0xzz'), InvalidReceiptError)
  assert.throws(() => receiptFromHex('0xc0'), /10 items/)
  const hex = receiptToHex(signReceipt(unsigned(), key))
  assert.throws(() => receiptFromHex(hex.slice(0, -2)), InvalidReceiptError)
})

test('fuzz: a mutated wire form is refused with InvalidReceiptError or decodes to a receipt that encodes to exactly those bytes', () => {
  const runs = fuzzRuns(20_000)
  let s = 99
  const r = (n: number) => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % n)
  const wires = [signAndEncodeReceipt(unsigned(), key).wire, signAndEncodeReceipt(unsigned({ price: 0n, timestamp: 0, mode: 'tee', model: 'é' }), key).wire, signAndEncodeReceipt(unsigned({ price: 255n, timestamp: Number.MAX_SAFE_INTEGER }), key).wire]
  let decoded = 0
  for (let i = 0; i < runs; i++) {
    const wire = wires[r(wires.length)]
    const m = Uint8Array.from(wire)
    const op = r(4)
    let input: Uint8Array = m
    if (op === 0) m[r(m.length)] = r(256)
    else if (op === 1) m[r(Math.min(m.length, 140))] ^= 1 << r(8)
    else if (op === 2) input = m.subarray(0, r(m.length + 1))
    else input = Uint8Array.from([...m, r(256)])
    let receipt
    try {
      receipt = decodeReceipt(input)
    } catch (err) {
      assert.ok(err instanceof InvalidReceiptError, `not an InvalidReceiptError: ${err}`)
      assert.throws(() => decodeReceiptFields(input), InvalidReceiptError)
      continue
    }
    decoded++
    assert.equal(Buffer.compare(encodeReceipt(receipt), input), 0, 'decodes only canonical bytes')
    const fields = decodeReceiptFields(input)
    assert.equal(toHex(fields.id), receipt.id)
    assert.equal(toHex(fields.signature), receipt.signature)
    assert.equal(fields.price, receipt.price)
  }
  assert.ok(decoded > 1000 && decoded < 19_000, `both outcomes exercised (${decoded} decoded)`)
})
