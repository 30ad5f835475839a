import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Request } from 'cosmjs-types/tendermint/abci/types'
import { FrameReader, FrameTooLargeError, encodeUvarint, frame } from './framing.ts'

let seed = 7
const rand = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return seed % n
}

test('uvarint lengths match protobuf encoding (1, 2 and 3 bytes)', () => {
  assert.deepEqual([...encodeUvarint(1)], [1])
  assert.deepEqual([...encodeUvarint(300)], [0xac, 0x02])
  assert.deepEqual([...encodeUvarint(70000)], [0xf0, 0xa2, 0x04])
})

test('frames split at any byte boundary come back whole and in order', () => {
  for (let round = 0; round < 200; round++) {
    const messages = Array.from({ length: 1 + rand(8) }, () => Buffer.from(Array.from({ length: rand(400) }, () => rand(256))))
    const stream = Buffer.concat(messages.map((m) => frame(m)))
    const reader = new FrameReader()
    const out: Buffer[] = []
    for (let off = 0; off < stream.length; ) {
      const n = 1 + rand(50)
      out.push(...reader.push(stream.subarray(off, off + n)))
      off += n
    }
    assert.deepEqual(out.map((b) => b.toString('hex')), messages.map((m) => m.toString('hex')))
  }
})

test('a real ABCI request survives the framing', () => {
  const req = Request.encode(Request.fromPartial({ checkTx: { tx: new Uint8Array([1, 2, 3]), type: 0 } })).finish()
  const [got] = new FrameReader().push(frame(req))
  assert.deepEqual(Request.decode(got).checkTx?.tx, new Uint8Array([1, 2, 3]))
})

test('fuzz: random bytes never crash the reader; oversized lengths are refused', () => {
  for (let round = 0; round < 2000; round++) {
    const reader = new FrameReader(1 << 20)
    const junk = Buffer.from(Array.from({ length: rand(64) }, () => rand(256)))
    try {
      for (const f of reader.push(junk)) assert.ok(f.length <= 1 << 20)
    } catch (err) {
      assert.ok(err instanceof FrameTooLargeError)
    }
  }
  assert.throws(() => new FrameReader(1000).push(Buffer.from(encodeUvarint(5000))), FrameTooLargeError)
})

test('a small frame arriving with a large one does not keep the large buffer alive', () => {
  const big = new Uint8Array(1_000_000).fill(7)
  const small = new Uint8Array(200).fill(9)
  const frames = new FrameReader().push(Buffer.concat([frame(big), frame(small)]))
  assert.equal(frames.length, 2)
  assert.deepEqual(frames[1], Buffer.from(small))
  assert.ok(frames[1].buffer.byteLength < 100_000, `the 200-byte frame holds a ${frames[1].buffer.byteLength}-byte buffer`)
  assert.equal(frames[0].length, big.length)
})
