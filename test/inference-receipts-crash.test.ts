/**
 * A node killed with SIGKILL under load loses no receipt of an answer it returned: every
 * receipt a client received is in the log after restart, served again and drainable.
 */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { appendFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { buildMlpModel } from '../src/onnx/build.ts'
import { ReceiptLog } from '../src/nodes/inference/receipts/receiptLog.ts'
import { type ReceiptJson, receiptFromHex, receiptFromJson, verifyReceipt } from '../src/protocol/receipt.ts'

const HACA = join(import.meta.dirname, '..', 'bin', 'haca.js')
const dirs: string[] = []
const children: ChildProcess[] = []

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

async function startNode(config: string): Promise<{ child: ChildProcess; url: string; address: string }> {
  const child = spawn(process.execPath, [HACA, 'node', 'inference', '--config', config, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  const lines = createInterface({ input: child.stdout! })
  let text = ''
  for await (const line of lines) {
    text += line
    try {
      const info = JSON.parse(text)
      return { child, url: info.url, address: info.address }
    } catch {
      // The JSON is printed over several lines; keep reading.
    }
  }
  throw new Error(`node exited before listening (code ${child.exitCode})`)
}

test('SIGKILL under load, receipts synced per append: every receipt the client got survives the restart', () => killsAndRestart('per-append'))

// With sync 'background' an answer leaves once the OS holds its receipt; a killed process cannot lose that.
test('SIGKILL under load, receipts synced in the background (the default): every receipt the client got survives the restart', () => killsAndRestart('background'))

async function killsAndRestart(sync: 'per-append' | 'background'): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'haca-crash-'))
  dirs.push(dir)
  await writeFile(join(dir, 'mlp.onnx'), buildMlpModel({ inputSize: 4, outputSize: 3 }))
  const config = join(dir, 'node.json')
  await writeFile(config, JSON.stringify({ host: '127.0.0.1', port: 0, keyFile: 'key.json', receiptDir: 'receipts', logLevel: 'error',
    // Small segments, so the kill also lands among segment rotations.
    receiptLog: { maxSegmentBytes: 32 * 1024, preallocateBytes: 8 * 1024, sync }, maxConcurrent: 64, maxQueue: 4096, models: [{ id: 'mlp', path: 'mlp.onnx', price: '3' }] }))

  const got: string[] = []
  const body = JSON.stringify({ model: 'mlp', inputs: { input: { dims: [1, 4], type: 'float32', data: [1, 2, 3, 4] } } })
  let first: Awaited<ReturnType<typeof startNode>> | undefined
  // Three kills, each at a random moment of a run of group commits: a receipt released before
  // its write would be lost in most of them.
  for (let round = 0; round < 3; round++) {
    const running = await startNode(config)
    if (first) assert.equal(running.address, first.address)
    first ??= running
    const target = got.length + 300
    let stop = false
    const worker = async () => {
      while (!stop) {
        try {
          const res = await fetch(`${running.url}/v1/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
          const hex = res.headers.get('x-haca-receipt')
          await res.arrayBuffer()
          if (res.status === 200 && hex) got.push(hex)
        } catch {
          // Connections cut by the kill; those answers were never returned.
        }
      }
    }
    const workers = Array.from({ length: 32 }, worker)
    while (got.length < target) await new Promise((r) => setTimeout(r, 10))
    running.child.kill('SIGKILL')
    await new Promise((r) => running.child.once('exit', r))
    stop = true
    await Promise.all(workers)
  }
  assert.ok(first && got.length >= 900)

  // A torn half-line at the tail, as a crash mid-write could leave, must be cut off, not fatal.
  const segments = (await readdir(join(dir, 'receipts'))).filter((f) => f.endsWith('.log')).sort()
  assert.ok(segments.length > 3, `the log rotated (${segments.length} segments)`)
  await appendFile(join(dir, 'receipts', segments[segments.length - 1]), '0xf9')

  const second = await startNode(config)
  assert.equal(second.address, first.address, 'the signing key is kept across restarts')
  for (const hex of got) {
    const receipt = receiptFromHex(hex)
    assert.equal(verifyReceipt(receipt, { node: first.address as `0x${string}` }).ok, true)
    const res = await fetch(`${second.url}/v1/receipts/${receipt.id}`)
    assert.equal(res.status, 200, `receipt ${receipt.id} was returned to the client but is missing after the restart`)
    assert.deepEqual(receiptFromJson((await res.json()) as ReceiptJson), receipt)
  }
  second.child.kill('SIGTERM')
  await new Promise((r) => second.child.once('exit', r))

  // Settlement's view: draining the log from the start yields every received receipt.
  const log = await ReceiptLog.open(join(dir, 'receipts'))
  const drained = new Set<string>()
  let cursor = 0
  for (;;) {
    const page = await log.read(cursor, 100)
    if (page.receipts.length === 0) break
    for (const r of page.receipts) drained.add(r.id)
    cursor = page.next
  }
  await log.close()
  for (const hex of got) assert.ok(drained.has(receiptFromHex(hex).id))
  assert.ok(drained.size >= got.length)
}
