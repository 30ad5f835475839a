// Atomic writes: a real `haca node storage` process is SIGKILLed in the middle of uploads,
// restarted on the same folder, and must serve no half-written blob and every finished one.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import http from 'node:http'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WalrusClient } from '../src/storage/walrusClient.ts'
import { computeBlobId } from '../src/storage/blobId.ts'

const SHARDS = 1000 // the real count: its slow blob ID leaves a window to kill in after the body is on disk
const dir = mkdtempSync(join(tmpdir(), 'haca-storage-crash-'))
const children = new Set<ChildProcess>()
after(() => {
  for (const c of children) c.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
})

async function startNode(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['bin/haca.js', 'node', 'storage', '--dir', dir, '--port', '0', '--shards', String(SHARDS), '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, HACA_LOG_LEVEL: 'warn' },
  })
  children.add(child)
  child.on('exit', () => children.delete(child))
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`storage node did not start: ${out}`)), 30_000)
    child.stdout!.on('data', (d: Buffer) => {
      out += d
      try {
        const parsed = JSON.parse(out) as { url: string }
        clearTimeout(timer)
        resolve(parsed.url)
      } catch {
        // not all of the JSON yet
      }
    })
    child.on('exit', (code) => reject(new Error(`storage node exited with ${code}: ${out}`)))
  })
  return { child, url }
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGKILL')
  await exited
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const tmpFiles = () => readdirSync(join(dir, 'tmp')).map((f) => statSync(join(dir, 'tmp', f)).size)

/** Starts a PUT of `total` bytes but sends only `send` of them; the request is left hanging. */
function partialPut(url: string, total: number, send: Buffer): http.ClientRequest {
  const req = http.request(`${url}/v1/blobs`, { method: 'PUT', headers: { 'content-length': total } })
  req.on('error', () => {}) // the server dies under it
  req.write(send)
  return req
}

test('SIGKILL during uploads leaves no half-written blob; finished blobs survive', async () => {
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
  let node = await startNode()
  let client = new WalrusClient({ publisherUrl: node.url, aggregatorUrl: node.url, shards: SHARDS, attempts: 1 })
  const kept = randomBytes(200_000)
  const { blobId: keptId } = await client.put(kept)

  // 1. Killed while the body is still arriving.
  const big = randomBytes(3 * 1024 * 1024)
  const req = partialPut(node.url, big.length, big.subarray(0, 1024 * 1024))
  await waitFor(() => tmpFiles().some((s) => s > 0), 'part of the body on disk')
  await kill(node.child)
  req.destroy()
  await client.close()

  node = await startNode()
  client = new WalrusClient({ publisherUrl: node.url, aggregatorUrl: node.url, shards: SHARDS, attempts: 1 })
  assert.deepEqual(tmpFiles(), [], 'the half upload was cleared at start')
  assert.deepEqual(Buffer.from(await client.get(keptId, { verify: { sha256: sha(kept) } })), kept)
  const status = (await (await fetch(`${node.url}/status`)).json()) as { blobs: number }
  assert.equal(status.blobs, 1)

  // 2. Killed after the whole body is on disk, while its blob ID is being computed.
  const small = randomBytes(100_000)
  const smallId = computeBlobId(small, { shards: SHARDS })
  const req2 = partialPut(node.url, small.length, small)
  req2.end()
  await waitFor(() => tmpFiles().includes(small.length), 'the whole body in tmp/')
  await kill(node.child)
  req2.destroy()
  await client.close()
  assert.equal(readdirSync(join(dir, 'blobs')).includes(smallId), false, 'not yet published when killed')

  node = await startNode()
  client = new WalrusClient({ publisherUrl: node.url, aggregatorUrl: node.url, shards: SHARDS, attempts: 1 })
  try {
    assert.equal(await client.exists(smallId), false)
    const res = await fetch(`${node.url}/v1/blobs/${smallId}`)
    assert.equal(res.status, 404)
    // Uploading it again works as if the first attempt never happened.
    const again = await client.put(small)
    assert.deepEqual([again.blobId, again.status], [smallId, 'newlyCreated'])
    assert.deepEqual(Buffer.from(await client.get(smallId, { verify: { sha256: sha(small) } })), small)
  } finally {
    await client.close()
    await kill(node.child)
  }
})
