import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex } from '../core/bytes.ts'
import { merkleLeaf, merkleRoot } from './merkle.ts'
import { entryBytes, entryLeaves, entryRoot } from './settlementBatch.ts'

test('leaves hashed piece by piece equal the leaf of the whole entry encoding, for every length form', () => {
  const channelId = toHex(new Uint8Array(32).fill(0xab))
  const receipts = [Uint8Array.of(0x05), Uint8Array.of(0x85), new Uint8Array(0), new Uint8Array(10).fill(1), new Uint8Array(55).fill(2), new Uint8Array(56).fill(3), new Uint8Array(300).fill(4), new Uint8Array(70_000).fill(5)]
  const entries = receipts.map((receiptBytes) => ({ receiptBytes, channelId }))
  const leaves = entryLeaves(entries)
  entries.forEach((e, i) => assert.deepEqual(leaves[i], merkleLeaf(entryBytes(e)), `receipt of ${e.receiptBytes.length} bytes`))
})

test('the flat-buffer batch root equals the Merkle root of the leaves, for every count and length form', () => {
  const channels = [toHex(new Uint8Array(32).fill(0xab)), toHex(new Uint8Array(32).fill(0xcd))]
  const sizes = [1, 0, 10, 55, 56, 300, 2000]
  for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 100]) {
    const entries = Array.from({ length: n }, (_, i) => ({ receiptBytes: new Uint8Array(sizes[i % sizes.length]).fill(i % 251), channelId: channels[i % 2] }))
    assert.equal(toHex(entryRoot(entries)), toHex(merkleRoot(entryLeaves(entries))), `${n} entries`)
  }
})
