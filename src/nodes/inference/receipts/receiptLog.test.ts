import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { addressOf, generatePrivateKey } from '../../../core/keys.ts'
import { toHex } from '../../../core/bytes.ts'
import { ReceiptLog, ReceiptLogError, segmentFileName } from './receiptLog.ts'
import { type Receipt, encodeReceipt, signReceipt } from '../../../protocol/receipt.ts'
import { newReceiptId } from '../../../protocol/receiptId.ts'

const key = generatePrivateKey()
const node = addressOf(key)
function receipt(i: number): Receipt {
  const requestHash = toHex(new Uint8Array(32).fill(i % 256))
  return signReceipt({ version: 1, id: newReceiptId(node, requestHash), node, model: 'm', mode: 'vanilla', requestHash, responseHash: requestHash, price: BigInt(i), timestamp: 1_700_000_000_000 + i }, key)
}

/** Appends in groups of `size` at once, one group after another (so group commits and rotations interleave). */
async function appendInGroups(log: ReceiptLog, receipts: Receipt[], size: number): Promise<void> {
  for (let i = 0; i < receipts.length; i += size) await Promise.all(receipts.slice(i, i + size).map((r) => log.append(r)))
}

/** A test with a fresh log directory of its own, removed afterwards. */
function logTest(name: string, fn: (dir: string) => Promise<void>): void {
  test(name, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'haca-log-'))
    try {
      await fn(dir)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
}

logTest('concurrent appends are group-committed, read back after reopening, and drained by cursor', async (dir) => {
  let flushes = 0
  const log = await ReceiptLog.open(dir, { onFlush: () => { flushes++ } })
  const written = Array.from({ length: 500 }, (_, i) => receipt(i))
  await Promise.all(written.map((r) => log.append(r)))
  assert.ok(flushes < 50, `500 concurrent appends took ${flushes} flushes; group commit should batch them`)
  assert.deepEqual(log.get(written[42].id), written[42])
  await log.close()
  await assert.rejects(log.append(receipt(1)), ReceiptLogError)

  // A torn last line (here: half a line written over the zero-filled space) is zeroed on open; everything complete is kept.
  const size = (await ReceiptLog.open(dir).then(async (l) => { const n = l.durableSize; await l.close(); return n }))
  const fd = await open(join(dir, segmentFileName(0)), 'r+')
  await fd.write(Buffer.from('0xdeadbe'), 0, 8, size)
  await fd.close()
  const reopened = await ReceiptLog.open(dir)
  assert.equal(reopened.indexed, 500)
  assert.equal(reopened.durableSize, size)
  const bytes = await readFile(join(dir, segmentFileName(0)))
  assert.ok(bytes.length >= size + (4 << 20), 'space ahead is preallocated')
  assert.equal(bytes.indexOf(0), size, 'the torn bytes were zeroed')
  assert.deepEqual(reopened.get(written[499].id), written[499])

  const first = await reopened.read(0, 200)
  assert.equal(first.receipts.length, 200)
  assert.deepEqual(first.receipts[0], written[0])
  await reopened.commitCursor(first.next)
  assert.equal(await reopened.readCursor(), first.next)
  const rest = await reopened.read(await reopened.readCursor(), 1000)
  assert.equal(rest.receipts.length, 300)
  assert.deepEqual(rest.receipts[299], written[499])
  assert.deepEqual(await reopened.read(rest.next), { receipts: [], wire: [], next: rest.next })
  await assert.rejects(reopened.commitCursor(reopened.durableSize + 1), /outside the log/)
  await reopened.close()
})

logTest('damage before the tail is refused rather than silently skipped', async (dir) => {
  const log = await ReceiptLog.open(dir)
  await log.append(receipt(1))
  await log.append(receipt(2))
  await log.close()
  const text = (await readFile(join(dir, segmentFileName(0)), 'latin1')).replace(/\0+$/, '')
  await writeFile(join(dir, segmentFileName(0)), `0x00\n${text}`)
  await assert.rejects(ReceiptLog.open(dir), /corrupt line at byte 0/)
})

logTest('the log grows past its preallocated space without losing or overwriting receipts', async (dir) => {
  // A 4 KiB chunk holds about six receipts, so 300 appends extend the file many times, some mid-flush.
  const log = await ReceiptLog.open(dir, { preallocateBytes: 4096 })
  const written = Array.from({ length: 300 }, (_, i) => receipt(i))
  await appendInGroups(log, written, 30)
  await log.close()
  const reopened = await ReceiptLog.open(dir, { preallocateBytes: 4096 })
  const page = await reopened.read(0, 1000)
  assert.deepEqual(page.receipts.map((r) => r.id), written.map((r) => r.id))
  await reopened.close()
})

logTest('segments rotate, drain across boundaries, and settled ones are deleted on commit', async (dir) => {
  // About 600 bytes a receipt: a 16 KiB segment holds ~27, so 200 receipts make ~8 segments.
  const options = { preallocateBytes: 4096, maxSegmentBytes: 16 * 1024 }
  const log = await ReceiptLog.open(dir, options)
  const written = Array.from({ length: 200 }, (_, i) => receipt(i))
  await appendInGroups(log, written, 20)
  assert.ok(log.segmentCount >= 6, `${log.segmentCount} segments`)
  await log.close()

  const reopened = await ReceiptLog.open(dir, options)
  assert.equal(reopened.indexed, 200)
  const seen: string[] = []
  let cursor = 0
  let halfway = 0
  let seenAtHalfway = 0
  for (;;) {
    const page = await reopened.read(cursor, 7)
    if (page.receipts.length === 0) break
    seen.push(...page.receipts.map((r) => r.id))
    cursor = page.next
    if (seen.length >= 100 && halfway === 0) {
      halfway = cursor
      seenAtHalfway = seen.length
    }
  }
  assert.deepEqual(seen, written.map((r) => r.id))
  const segmentsBefore = reopened.segmentCount
  await reopened.commitCursor(halfway)
  assert.ok(reopened.segmentCount < segmentsBefore, 'settled segments are deleted')
  // Everything not yet settled is still there, and appends keep working after compaction.
  const rest = await reopened.read(halfway, 1000)
  assert.deepEqual(rest.receipts.map((r) => r.id), seen.slice(seenAtHalfway))
  const late = receipt(999)
  await reopened.append(late)
  await reopened.close()
  const again = await ReceiptLog.open(dir, options)
  assert.deepEqual(again.get(late.id), late)
  const all = await again.read(await again.readCursor(), 1000)
  assert.equal(all.receipts.length, rest.receipts.length + 1)
  await again.close()
})

logTest('writeInline: an append made alone is written before append() returns; otherwise appends batch as before', async (dir) => {
  let alone = true
  let flushes = 0
  const log = await ReceiptLog.open(dir, { writeInline: () => alone, onFlush: () => { flushes++ } })
  // The first append may wait for the log's initial zero-filling, in the background.
  await log.append(receipt(0))
  const before = flushes
  const second = receipt(1)
  const appended = log.append(second)
  assert.equal(flushes, before + 1, 'the synchronous O_DSYNC write happened inside append()')
  assert.equal(log.durableSize, 2 * (await readFile(join(dir, segmentFileName(0)), 'latin1')).indexOf('\n') + 2)
  await appended
  alone = false
  await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(receipt(i + 2))))
  assert.ok(flushes - before - 1 <= 2, `100 concurrent appends took ${flushes - before - 1} flushes; they should be group-committed`)
  await log.close()
  const reopened = await ReceiptLog.open(dir)
  const page = await reopened.read(0, 1000)
  assert.equal(page.receipts.length, 102)
  assert.deepEqual(page.receipts[1], second)
  await reopened.close()
})

logTest('reads served from memory give what a read from disk gives, across the edge of what memory holds', async (dir) => {
  const log = await ReceiptLog.open(dir, { maxTail: 30 })
  const written = Array.from({ length: 50 }, (_, i) => receipt(i + 1000))
  for (const r of written.slice(0, 10)) await log.append(r)
  await Promise.all(written.slice(10).map((r) => log.append(r)))
  // The first 20 are only on disk now; a page spans disk and memory.
  const fromBoth = await log.read(0, 35)
  const rest = await log.read(fromBoth.next, 100)
  await log.close()
  const reopened = await ReceiptLog.open(dir)
  const fromDisk = await reopened.read(0, 100)
  assert.equal(fromBoth.receipts.length + rest.receipts.length, 50)
  assert.deepEqual([...fromBoth.receipts, ...rest.receipts], fromDisk.receipts)
  assert.deepEqual([...fromBoth.wire, ...rest.wire], fromDisk.wire)
  assert.equal(rest.next, fromDisk.next)
  await reopened.close()
})

logTest("sync 'background': an append is in the file when it resolves, rotation waits for the sync in flight, and everything reads back", async (dir) => {
  const log = await ReceiptLog.open(dir, { sync: 'background', maxSegmentBytes: 4096, preallocateBytes: 1024 })
  const written = Array.from({ length: 120 }, (_, i) => receipt(i))
  for (let i = 0; i < written.length; i += 7) {
    await Promise.all(written.slice(i, i + 7).map((r) => log.append(r)))
    // What the OS holds is what a crashed process leaves: the file already has these lines.
    const files = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort()
    const text = await readFile(join(dir, files[files.length - 1]), 'latin1')
    assert.ok(text.includes(toHex(encodeReceipt(written[Math.min(i + 6, written.length - 1)])).slice(2)), `receipt ${i + 6} is in the active segment`)
  }
  await log.close()
  assert.ok((await readdir(dir)).filter((f) => f.endsWith('.log')).length > 3, 'the log rotated')
  const reopened = await ReceiptLog.open(dir)
  const page = await reopened.read(0, 1000)
  assert.deepEqual(page.receipts.map((r) => r.id), written.map((r) => r.id))
  await reopened.close()
})

logTest('open decodes only the newest maxIndexed receipts: sealed segments are checked at their ends and decoded when drained', async (dir) => {
  const options = { preallocateBytes: 4096, maxSegmentBytes: 16 * 1024 }
  const log = await ReceiptLog.open(dir, options)
  const written = Array.from({ length: 200 }, (_, i) => receipt(i))
  await appendInGroups(log, written, 20)
  await log.close()
  const names = (await readdir(dir)).filter((n) => n.startsWith('receipts-')).sort()
  assert.ok(names.length >= 6)

  const small = await ReceiptLog.open(dir, { ...options, maxIndexed: 50 })
  assert.equal(small.indexed, 50)
  assert.deepEqual(small.get(written[150].id), written[150])
  assert.equal(small.get(written[149].id), undefined, 'older receipts are not indexed')
  assert.deepEqual((await small.read(0, 1000)).receipts.map((r) => r.id), written.map((r) => r.id), 'every receipt is still drained')
  await small.close()

  // Damage in the oldest segment, beyond the index: the log opens (it is not read there), and the drain names it.
  const oldest = join(dir, names[0])
  const original = await readFile(oldest, 'latin1')
  const damaged = `0x${'zz'.repeat((original.indexOf('\n') - 2) / 2)}${original.slice(original.indexOf('\n'))}`
  assert.equal(damaged.length, original.length)
  await writeFile(oldest, damaged, 'latin1')
  const opened = await ReceiptLog.open(dir, { ...options, maxIndexed: 50 })
  await assert.rejects(opened.read(0, 10), (err: unknown) => err instanceof ReceiptLogError && /receipts-0000000000000000\.log.*corrupt line at byte 0/.test((err as Error).message))
  await opened.close()
  // Within the index it is refused at open, as before.
  await assert.rejects(ReceiptLog.open(dir, { ...options, maxIndexed: 1000 }), /corrupt line at byte 0/)
  await writeFile(oldest, original, 'latin1')

  // A sealed segment cut short or grown no longer meets the next one: refused at open.
  await writeFile(oldest, original.slice(0, -5), 'latin1')
  await assert.rejects(ReceiptLog.open(dir, options), /holds \d+ bytes but the next segment starts after \d+/)
  await writeFile(oldest, `${original}${original.slice(0, original.indexOf('\n') + 1)}`, 'latin1')
  await assert.rejects(ReceiptLog.open(dir, options), /holds \d+ bytes but the next segment starts after \d+/)
  // Its size right but its last line torn (a newline missing at the end): refused too.
  await writeFile(oldest, `${original.slice(0, -1)}x`, 'latin1')
  await assert.rejects(ReceiptLog.open(dir, options), /does not end with a complete line at byte \d+, where the next segment starts/)
  await writeFile(oldest, original, 'latin1')
  // An empty line in the active segment is damage, not skipped (first line included).
  const active = join(dir, names.at(-1)!)
  const activeText = (await readFile(active, 'latin1')).replace(/\0+$/, '')
  await writeFile(active, `\n${activeText.slice(activeText.indexOf('\n') + 1)}`, 'latin1')
  await assert.rejects(ReceiptLog.open(dir, options), /corrupt line at byte 0/)
})

logTest('retainBytes: a log never drained keeps its newest sealed segments up to the limit, and deletes the rest at rotation and at open', async (dir) => {
  const options = { preallocateBytes: 4096, maxSegmentBytes: 16 * 1024, retainBytes: 32 * 1024 }
  const log = await ReceiptLog.open(dir, options)
  const written = Array.from({ length: 300 }, (_, i) => receipt(i))
  await appendInGroups(log, written, 20)
  const sealedBytes = async () => {
    const names = (await readdir(dir)).filter((n) => n.startsWith('receipts-')).sort()
    let total = 0
    for (const n of names.slice(0, -1)) total += (await readFile(join(dir, n))).length
    return { names, total }
  }
  const { names, total } = await sealedBytes()
  assert.ok(total <= 32 * 1024, `sealed segments hold ${total} bytes`)
  assert.ok(names.length >= 2 && names.length <= 4, `${names.length} segments`)
  // What is left is the newest receipts, in order, up to the last one written.
  const kept = (await log.read(0, 1000)).receipts.map((r) => r.id)
  assert.ok(kept.length > 20 && kept.length < 200, `${kept.length} receipts kept`)
  assert.deepEqual(kept, written.slice(-kept.length).map((r) => r.id))
  await log.close()

  // A lower limit takes effect at the next open.
  const smaller = await ReceiptLog.open(dir, { ...options, retainBytes: 1 })
  assert.equal((await sealedBytes()).names.length, 1, 'only the active segment is left')
  const left = (await smaller.read(0, 1000)).receipts.map((r) => r.id)
  assert.deepEqual(left, written.slice(-left.length).map((r) => r.id))
  await smaller.close()

  // A segment the operator already moved away counts as deleted: rotation goes on, appends succeed.
  const moving = await ReceiptLog.open(dir, options)
  const more = Array.from({ length: 100 }, (_, i) => receipt(1000 + i))
  await appendInGroups(moving, more.slice(0, 60), 20)
  const before = (await readdir(dir)).filter((n) => n.startsWith('receipts-')).sort()
  assert.ok(before.length >= 2)
  await rm(join(dir, before[0]))
  await appendInGroups(moving, more.slice(60), 20)
  assert.ok(!(await readdir(dir)).includes(before[0]))
  const tail = (await moving.read(0, 1000)).receipts.map((r) => r.id)
  assert.deepEqual(tail, more.slice(-tail.length).map((r) => r.id))
  assert.ok(tail.length >= 40)
  await moving.close()

  // Without the option nothing is ever deleted.
  const dir2 = join(dir, 'keep-all')
  const all = await ReceiptLog.open(dir2, { preallocateBytes: 4096, maxSegmentBytes: 16 * 1024 })
  await appendInGroups(all, written, 20)
  assert.equal((await all.read(0, 1000)).receipts.length, 300)
  await all.close()
})
