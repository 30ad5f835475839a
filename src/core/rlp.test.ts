import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RLP } from '@ethereumjs/rlp'
import { MAX_RLP_DEPTH, RlpError, type RlpValue, decodeRlp, encodeRlp, encodeRlpHeader, rlpListOffsets } from './rlp.ts'
import { fuzzRuns } from './fuzz.testing.ts'

// A deterministic generator, so a failure reproduces.
function rng(seed: number) {
  let s = seed >>> 0
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s % n
  }
}

function randomValue(r: (n: number) => number, depth = 0): RlpValue {
  if (depth < 4 && r(3) === 0) return Array.from({ length: r(depth === 0 ? 70 : 8) }, () => randomValue(r, depth + 1))
  const size = [0, 1, 1, 2, 20, 55, 56, 57, 300, 256, 70_000][r(depth === 0 ? 11 : 10)]
  return Uint8Array.from({ length: size }, () => r(256))
}

/** The reference: @ethereumjs/rlp decodes it and re-encoding gives the same bytes. */
function canonicalByReference(bytes: Uint8Array): boolean {
  try {
    return Buffer.compare(RLP.encode(RLP.decode(bytes)), bytes) === 0
  } catch {
    return false
  }
}

test('decodes what @ethereumjs/rlp encodes, as views of the input, and re-encodes to the same bytes', () => {
  const r = rng(7)
  for (let i = 0; i < 2000; i++) {
    const value = randomValue(r)
    const bytes = RLP.encode(value)
    const decoded = decodeRlp(bytes)
    assert.deepEqual(decoded, RLP.decode(bytes))
    assert.equal(Buffer.compare(RLP.encode(decoded), bytes), 0)
    assert.equal(Buffer.compare(encodeRlp(value), bytes), 0, 'encodeRlp gives the same bytes as the reference')
  }
  const bytes = RLP.encode([new Uint8Array(60).fill(9)])
  const [view] = decodeRlp(bytes) as Uint8Array[]
  assert.equal(view.buffer, bytes.buffer, 'byte strings are views, not copies')
})

test('fuzz: accepts exactly the canonical encodings (mutated, truncated and extended inputs)', () => {
  const runs = fuzzRuns(20_000)
  const r = rng(11)
  let refused = 0
  for (let i = 0; i < runs; i++) {
    const bytes = RLP.encode(randomValue(r))
    const mutated = Uint8Array.from(bytes)
    const op = r(4)
    let input: Uint8Array = mutated
    if (op === 0 && mutated.length > 0) mutated[r(mutated.length)] = r(256)
    else if (op === 1 && mutated.length > 0) mutated[r(Math.min(mutated.length, 4))] ^= 1 << r(8)
    else if (op === 2) input = mutated.subarray(0, r(mutated.length + 1))
    else input = Uint8Array.from([...mutated, r(256)])
    let ok = true
    try {
      decodeRlp(input)
    } catch (err) {
      assert.ok(err instanceof RlpError, `not an RlpError: ${err}`)
      ok = false
      refused++
    }
    // The reference decodes an empty input to an empty string; this decoder wants one item.
    const expected = input.length > 0 && canonicalByReference(input)
    assert.equal(ok, expected, `input ${Buffer.from(input).toString('hex').slice(0, 200)}`)
  }
  assert.ok(refused > runs / 4, 'the fuzz exercised refusals')
})

test('refuses non-canonical forms with the reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['8105', /single byte below 0x80/],
    ['b80141', /short form/],
    ['b90001' + '00', /leading zero/],
    ['f80101', /short form/],
    ['83aabb', /runs past the end/],
    ['c3aabb', /bytes after the item|missing|runs past/],
    ['8000', /bytes after the item/],
    ['', /missing/],
  ]
  for (const [hex, reason] of cases) assert.throws(() => decodeRlp(Buffer.from(hex, 'hex')), reason, hex)
  let nested: RlpValue = []
  for (let i = 0; i < MAX_RLP_DEPTH; i++) nested = [nested]
  assert.throws(() => decodeRlp(RLP.encode(nested)), /nested deeper/)
  assert.doesNotThrow(() => decodeRlp(RLP.encode((nested as RlpValue[])[0])))
})

test('headers for hashing piece by piece match the encoder', () => {
  for (const length of [0, 1, 55, 56, 255, 256, 65_535, 65_536, 1 << 24]) {
    const bytes = new Uint8Array(length).fill(0x90)
    const encoded = encodeRlp(bytes)
    assert.deepEqual(encoded.subarray(0, encoded.length - length), encodeRlpHeader(0x80, length), `string of ${length}`)
  }
  assert.deepEqual(encodeRlp([]), encodeRlpHeader(0xc0, 0))
})

test('fuzz: rlpListOffsets accepts exactly the flat lists of N byte strings that decodeRlp accepts, and finds the same items', () => {
  const runs = fuzzRuns(20_000)
  const r = rng(23)
  let accepted = 0
  for (let i = 0; i < runs; i++) {
    const count = 1 + r(10)
    const items: RlpValue[] = Array.from({ length: count }, () => (r(20) === 0 ? [Uint8Array.of(r(256))] : Uint8Array.from({ length: [0, 1, 1, 2, 20, 32, 55, 56, 65, 300][r(10)] }, () => r(256))))
    const mutated = Uint8Array.from(RLP.encode(items))
    const op = r(5)
    let input: Uint8Array = mutated
    if (op === 0 && mutated.length > 0) mutated[r(mutated.length)] = r(256)
    else if (op === 1 && mutated.length > 0) mutated[r(Math.min(mutated.length, 4))] ^= 1 << r(8)
    else if (op === 2) input = mutated.subarray(0, r(mutated.length + 1))
    else if (op === 3) input = Uint8Array.from([...mutated, r(256)])
    const expect = (() => {
      try {
        const v = decodeRlp(input)
        return Array.isArray(v) && v.length === count && v.every((x) => x instanceof Uint8Array) ? (v as Uint8Array[]) : undefined
      } catch {
        return undefined
      }
    })()
    const out = new Int32Array(2 * count)
    let got: Uint8Array[] | undefined
    try {
      rlpListOffsets(input, out)
      got = Array.from({ length: count }, (_, k) => input.subarray(out[2 * k], out[2 * k + 1]))
    } catch (err) {
      assert.ok(err instanceof RlpError, `not an RlpError: ${err}`)
    }
    assert.deepEqual(got, expect, `input ${Buffer.from(input).toString('hex').slice(0, 200)}`)
    if (got) accepted++
  }
  assert.ok(accepted > runs * 0.15 && accepted < runs * 0.95, `both outcomes exercised (${accepted} accepted)`)
})
