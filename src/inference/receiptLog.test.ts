import { test } from 'node:test'
import assert from 'node:assert/strict'
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { addressOf, generatePrivateKey } from '../core/keys.ts'
import { toHex } from '../core/bytes.ts'
import { ReceiptLog, ReceiptLogError } from './receiptLog.ts'
import { type Receipt, newReceiptId, signReceipt } from './receipt.ts'

const key = generatePrivateKey()
const node = addressOf(key)
function receipt(i: number): Receipt {
  const requestHash = toHex(new Uint8Array(32).fill(i % 256))
  return signReceipt({ version: 1, id: newReceiptId(node, requestHash), node, model: 'm', mode: 'vanilla', requestHash, responseHash: requestHash, price: BigInt(i), timestamp: 1_700_000_000_000 + i }, key)
}

test('concurrent appends are group-committed, read back after reopening, and drained by cursor', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'haca-log-'))
  try {
    let flushes = 0
    const log = await ReceiptLog.open(dir, { onFlush: () => { flushes++ } })
    const written = Array.from({ length: 500 }, (_, i) => receipt(i))
    await Promise.all(written.map((r) => log.append(r)))
    assert.ok(flushes < 50, `500 concurrent appends took ${flushes} flushes; group commit should batch them`)
    assert.deepEqual(log.get(written[42].id), written[42])
    await log.close()
    await assert.rejects(log.append(receipt(1)), ReceiptLogError)

    // A torn tail is cut off on open; everything complete is kept.
    await appendFile(join(dir, 'receipts.log'), '0xdeadbe')
    const reopened = await ReceiptLog.open(dir)
    assert.equal(reopened.indexed, 500)
    assert.equal((await stat(join(dir, 'receipts.log'))).size, reopened.durableSize)
    assert.deepEqual(reopened.get(written[499].id), written[499])

    const first = await reopened.read(0, 200)
    assert.equal(first.receipts.length, 200)
    assert.deepEqual(first.receipts[0], written[0])
    await reopened.commitCursor(first.next)
    assert.equal(await reopened.readCursor(), first.next)
    const rest = await reopened.read(await reopened.readCursor(), 1000)
    assert.equal(rest.receipts.length, 300)
    assert.deepEqual(rest.receipts[299], written[499])
    assert.deepEqual(await reopened.read(rest.next), { receipts: [], next: rest.next })
    await assert.rejects(reopened.commitCursor(reopened.durableSize + 1), /outside the log/)
    await reopened.close()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

test('damage before the tail is refused rather than silently skipped', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'haca-log-'))
  try {
    const log = await ReceiptLog.open(dir)
    await log.append(receipt(1))
    await log.append(receipt(2))
    await log.close()
    const text = await readFile(join(dir, 'receipts.log'), 'latin1')
    await writeFile(join(dir, 'receipts.log'), `0x00\n${text}`)
    await assert.rejects(ReceiptLog.open(dir), /corrupt line at byte 0/)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
