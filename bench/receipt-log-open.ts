/**
 * Receipt log start-up bench: how long `ReceiptLog.open` takes, and how much memory it adds,
 * on a log of `--receipts` receipts in `--segments` segments (a node that is never settled
 * keeps every receipt it ever signed), next to the same run's full drain of the log (`read`
 * from cursor 0 to the end: every receipt decoded, which is what opening cost before it read
 * only the active segment and the newest `maxIndexed` receipts). Open runs in a fresh child
 * process each time, so the memory figure is the open's own.
 *
 * Usage: node --import tsx bench/receipt-log-open.ts [--receipts 800000] [--segments 8] [--json]
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { addressOf, generatePrivateKey } from '../src/core/keys.ts'
import { toHex } from '../src/core/bytes.ts'
import { ReceiptLog, segmentFileName } from '../src/nodes/inference/receipts/receiptLog.ts'
import { encodeReceipt, signReceipt } from '../src/protocol/receipt.ts'
import { newReceiptId } from '../src/protocol/receiptId.ts'

const { values } = parseArgs({ options: { receipts: { type: 'string' }, segments: { type: 'string' }, json: { type: 'boolean' }, 'open-only': { type: 'string' } } })

/** In the child: open the log in `dir` and print the time and the memory it added. */
async function openOnly(dir: string): Promise<void> {
  const rss = process.memoryUsage().rss
  const started = performance.now()
  const log = await ReceiptLog.open(dir, { preallocateBytes: 4096 })
  const ms = performance.now() - started
  process.stdout.write(JSON.stringify({ ms, addedMiB: (process.memoryUsage().rss - rss) / 2 ** 20, indexed: log.indexed }))
  await log.close()
}

async function main(): Promise<void> {
  const total = Number(values.receipts ?? 800_000)
  const segments = Number(values.segments ?? 8)
  const dir = await mkdtemp(join(tmpdir(), 'haca-log-open-'))
  try {
    // 1,000 distinct signed receipts, repeated: signing 800,000 would take longer than the bench.
    const key = generatePrivateKey()
    const node = addressOf(key)
    const lines = Array.from({ length: 1000 }, (_, i) => {
      const hash = toHex(new Uint8Array(32).fill(i % 256))
      return `${toHex(encodeReceipt(signReceipt({ version: 1, id: newReceiptId(node, hash), node, model: 'm', mode: 'vanilla', requestHash: hash, responseHash: hash, price: BigInt(i), timestamp: 1_700_000_000_000 + i }, key)))}\n`
    })
    const perSegment = Math.ceil(total / segments)
    let start = 0
    for (let s = 0; s < segments; s++) {
      let text = ''
      for (let i = 0; i < perSegment; i++) text += lines[i % lines.length]
      await writeFile(join(dir, segmentFileName(start)), text, 'latin1')
      start += text.length
    }
    const opened = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename, '--open-only', dir], { encoding: 'utf8' })) as { ms: number; addedMiB: number; indexed: number }
    const log = await ReceiptLog.open(dir, { preallocateBytes: 4096 })
    const started = performance.now()
    let drained = 0
    for (let cursor = 0; ;) {
      const page = await log.read(cursor, 10_000)
      if (page.receipts.length === 0) break
      drained += page.receipts.length
      cursor = page.next
    }
    const drainMs = performance.now() - started
    await log.close()
    const result = { receipts: perSegment * segments, segments, logMiB: start / 2 ** 20, openMs: opened.ms, openAddedMiB: opened.addedMiB, indexed: opened.indexed, fullDrainMs: drainMs, drained, openOverFullDrain: opened.ms / drainMs }
    if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
    else {
      process.stdout.write(`log: ${result.receipts} receipts in ${segments} segments, ${result.logMiB.toFixed(0)} MiB\n`)
      process.stdout.write(`open:       ${opened.ms.toFixed(0)} ms, +${opened.addedMiB.toFixed(0)} MiB resident, ${opened.indexed} receipts indexed\n`)
      process.stdout.write(`full drain: ${drainMs.toFixed(0)} ms (${drained} receipts decoded)\n`)
      process.stdout.write(`open / full drain: ${(100 * result.openOverFullDrain).toFixed(1)} %\n`)
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

if (values['open-only']) await openOnly(values['open-only'])
else await main()
