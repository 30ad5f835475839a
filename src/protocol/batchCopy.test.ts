import { test } from 'node:test'
import assert from 'node:assert/strict'
import { type Hex, fromHex, utf8 } from '../core/bytes.ts'
import { decodeBatchCopy, encodeBatchCopy } from './batchCopy.ts'
import { VECTOR_FILES } from './vectors/files.ts'

const vector = VECTOR_FILES['batch-entries'].cases[1]
const entries = (vector.fields.entries as Array<{ receipt: Hex; channelId: Hex }>).map((e) => ({ receiptBytes: fromHex(e.receipt), channelId: e.channelId }))
const root = vector.root as Hex

test('a batch copy is the JSON nodes have always stored, and reads back with its root checked', () => {
  const bytes = encodeBatchCopy({ root, entries })
  const before = JSON.stringify({ root, entries: entries.map((e) => ({ receipt: Buffer.from(e.receiptBytes).toString('hex'), channelId: e.channelId })) })
  assert.equal(new TextDecoder().decode(bytes), before)
  const back = decodeBatchCopy(bytes)
  assert.equal(back.root, root)
  assert.deepEqual(back.entries.map((e) => [Buffer.from(e.receiptBytes).toString('hex'), e.channelId]), entries.map((e) => [Buffer.from(e.receiptBytes).toString('hex'), e.channelId]))
})

test('a copy whose entries do not hash to its root, or that is not the format, is refused', () => {
  const other = `0x${'00'.repeat(32)}` as Hex
  assert.throws(() => decodeBatchCopy(encodeBatchCopy({ root: other, entries })), { name: 'InvalidBatchError', code: 'invalid_batch', message: new RegExp(`names root ${other}, its entries hash to ${root}`) })
  assert.throws(() => decodeBatchCopy(encodeBatchCopy({ root, entries: entries.slice(1) })), /its entries hash to/)
  assert.throws(() => decodeBatchCopy(utf8('{"root": 1}')), /is not \{"root"/)
  assert.throws(() => decodeBatchCopy(utf8(`{"root":"${root}","entries":[{"receipt":"0x00","channelId":"${root}"}]}`)), /entries\[0\]/)
  assert.throws(() => decodeBatchCopy(Uint8Array.of(0xff)), /not UTF-8 JSON/)
})
