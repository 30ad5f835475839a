import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex } from '../../core/bytes.ts'
import { merkleLeaf } from './merkle.ts'
import { entryBytes, entryLeaves } from './msgs.ts'

test('leaves hashed piece by piece equal the leaf of the whole entry encoding, for every length form', () => {
  const channelId = toHex(new Uint8Array(32).fill(0xab))
  const receipts = [Uint8Array.of(0x05), Uint8Array.of(0x85), new Uint8Array(0), new Uint8Array(10).fill(1), new Uint8Array(55).fill(2), new Uint8Array(56).fill(3), new Uint8Array(300).fill(4), new Uint8Array(70_000).fill(5)]
  const entries = receipts.map((receiptBytes) => ({ receiptBytes, channelId }))
  const leaves = entryLeaves(entries)
  entries.forEach((e, i) => assert.deepEqual(leaves[i], merkleLeaf(entryBytes(e)), `receipt of ${e.receiptBytes.length} bytes`))
})
