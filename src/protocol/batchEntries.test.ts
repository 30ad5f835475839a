import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fromHex, toHex, utf8 } from '../core/bytes.ts'
import { sha256 } from '../core/hash.ts'
import { addressOf, generatePrivateKey } from '../core/keys.ts'
import { decodeReceipt, encodeReceipt, signReceipt } from './receipt.ts'
import { decodeRlp, encodeRlp } from '../core/rlp.ts'
import type { RlpItem } from '../core/rlpFields.ts'
import { BatchEntries } from './batchEntries.ts'
import { channelTotals, entryRoot } from './settlementBatch.ts'

const key = generatePrivateKey()
const channels = [toHex(sha256(utf8('channel a'))), toHex(sha256(utf8('channel b')))]
const receipts = Array.from({ length: 7 }, (_, i) => signReceipt({
  version: 1, id: toHex(sha256(utf8(`id ${i}`))), node: addressOf(key), model: i % 2 ? 'resnet' : 'gpt-x', mode: i % 3 ? 'vanilla' : 'tee',
  requestHash: toHex(sha256(utf8(`q ${i}`))), responseHash: toHex(sha256(utf8(`a ${i}`))), price: 10n ** BigInt(i * 4), timestamp: 1_800_000_000_000 + i,
}, key))

/** The entries as a ledger sees them: items of one decoded transaction's bytes. */
function decoded(list: Array<[Uint8Array, Uint8Array]>): BatchEntries {
  return BatchEntries.decode(decodeRlp(encodeRlp(list)) as RlpItem[])
}

test('decoded entries read back every receipt field, channel, root and total as the objects they came from', () => {
  const objects = receipts.map((r, i) => ({ receipt: r, receiptBytes: encodeReceipt(r), channelId: channels[i % 2] as `0x${string}` }))
  const entries = decoded(objects.map((o) => [o.receiptBytes, fromHex(o.channelId, 32)]))
  assert.equal(entries.length, receipts.length)
  objects.forEach((o, i) => {
    const r = decodeReceipt(entries.receiptBytes(i))
    assert.deepEqual(r, o.receipt)
    assert.equal(toHex(entries.id(i)), r.id)
    assert.equal(toHex(entries.node(i)), r.node)
    assert.equal(toHex(entries.requestHash(i)), r.requestHash)
    assert.equal(entries.model(i), r.model)
    assert.equal(entries.mode(i), r.mode)
    assert.equal(entries.price(i), r.price)
    assert.equal(entries.timestamp(i), r.timestamp)
    assert.equal(entries.channelId(i), o.channelId)
    assert.equal(toHex(entries.channel(i)), o.channelId)
  })
  assert.deepEqual(entries.channelIds(), channels)
  assert.equal(toHex(entryRoot(entries)), toHex(entryRoot(objects)))
  assert.deepEqual(channelTotals(entries), channelTotals(objects))
})

test('a malformed entry, a receipt that is not one, or a receipt id twice is refused naming the entry', () => {
  const good = receipts.map((r) => encodeReceipt(r))
  const channel = fromHex(channels[0], 32)
  assert.throws(() => decoded([[good[0], channel], [good[1].subarray(0, 40), channel]]), /entries\[1\]\.receipt is not a receipt/)
  assert.throws(() => decoded([[good[0], channel], [good[0], fromHex(channels[1], 32)]]), /appears twice in the batch/)
  assert.throws(() => decoded([[good[0], channel.subarray(0, 31)]]), /entries\[0\]\.channel/)
  assert.throws(() => BatchEntries.decode(decodeRlp(encodeRlp([[good[0]]])) as RlpItem[]), /entries\[0\]/)
})
