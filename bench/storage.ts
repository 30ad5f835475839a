/**
 * Storage bench. Prints, for 1 MiB and 256 MiB blobs of random bytes:
 *   - upload MB/s through the embedded store's HTTP API (`PUT /v1/blobs`, streamed from a
 *     file; the store computes the Walrus blob ID at the configured shard count before it
 *     answers, so at 1000 shards most of an upload's time is the blob ID);
 *   - download MB/s through the HTTP API: plain (`GET /v1/blobs/:id` streamed to a file and
 *     fsynced, node:http), and verified (the Walrus client's `getToFile`: the same, plus
 *     sha256 checked on the way and a rename into place);
 *   - a plain file copy of the same bytes in the same run, two ways: `fs.copyFile` (kernel
 *     copy) and a stream copy with fsync (what a download does, minus HTTP and hashing);
 *     and the ratio download / plain copy;
 * and the time to compute a blob ID at 1000 shards. The store runs as its own process
 * (`haca node storage`), as in production. Best of `--runs` runs.
 *
 * Usage: node --import tsx bench/storage.ts [--sizes 1,256] [--runs 3] [--shards 1000] [--json]
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomFillSync } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { copyFile, mkdtemp, open, rm, writeFile } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import http from 'node:http'
import { parseArgs } from 'node:util'
import { WalrusClient } from '../src/storage/walrusClient.ts'
import { computeBlobId } from '../src/storage/blobId.ts'

const { values } = parseArgs({ options: { sizes: { type: 'string' }, runs: { type: 'string' }, shards: { type: 'string' }, json: { type: 'boolean' } } })
const SIZES_MIB = (values.sizes ?? '1,256').split(',').map(Number)
const RUNS = Number(values.runs ?? 3)
const SHARDS = Number(values.shards ?? 1000)
const MIB = 1024 * 1024

async function startNode(dir: string, maxBlobSize: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['bin/haca.js', 'node', 'storage', '--dir', dir, '--port', '0', '--shards', String(SHARDS), '--max-blob-size', String(maxBlobSize), '--json'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, HACA_LOG_LEVEL: 'warn' },
  })
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d
      try {
        resolve((JSON.parse(out) as { url: string }).url)
      } catch {
        // wait for the rest of the JSON
      }
    })
    child.on('exit', (code) => reject(new Error(`storage node exited with ${code}`)))
  })
  return { child, url }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now()
  await fn()
  return (performance.now() - t) / 1000
}

async function best(fn: (run: number) => Promise<number>): Promise<number> {
  let min = Number.POSITIVE_INFINITY
  for (let r = 0; r < RUNS; r++) min = Math.min(min, await fn(r))
  return min
}

/** A plain HTTP GET of the blob into a file, fsynced: the store's HTTP path with no client work. */
async function httpDownload(url: string, dest: string): Promise<void> {
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => http.get(url, resolve).on('error', reject))
  if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode}`)
  await pipeline(res, createWriteStream(dest, { highWaterMark: 4 * MIB }))
  const fh = await open(dest, 'r')
  await fh.sync()
  await fh.close()
}

async function streamCopy(src: string, dest: string): Promise<void> {
  await pipeline(createReadStream(src, { highWaterMark: MIB }), createWriteStream(dest))
  const fh = await open(dest, 'r')
  await fh.sync()
  await fh.close()
}

const work = await mkdtemp(join(tmpdir(), 'haca-bench-storage-'))
const maxSize = Math.max(...SIZES_MIB) * MIB
const node = await startNode(join(work, 'store'), maxSize)
const client = new WalrusClient({ publisherUrl: node.url, aggregatorUrl: node.url, shards: SHARDS, timeoutMs: 600_000 })
type Row = {
  sizeMiB: number
  uploadMBps: number
  downloadMBps: number
  verifiedDownloadMBps: number
  copyFileMBps: number
  streamCopyMBps: number
  downloadVsStreamCopy: number
  verifiedVsStreamCopy: number
  downloadVsCopyFile: number
}
const rows: Row[] = []
try {
  for (const mib of SIZES_MIB) {
    const size = mib * MIB
    const src = join(work, `src-${mib}`)
    const bytes = Buffer.allocUnsafe(size)
    randomFillSync(bytes)
    await writeFile(src, bytes)
    // Each upload run stores different bytes (first byte changed) so none is an alreadyCertified shortcut.
    let blobId = ''
    const up = await best(async (run) => {
      const fh = await open(src, 'r+')
      await fh.write(Buffer.from([run]), 0, 1, 0)
      await fh.close()
      return timed(async () => {
        blobId = (await client.putFile(src)).blobId
      })
    })
    const last = Buffer.from(bytes)
    last[0] = RUNS - 1
    const lastSha = createHash('sha256').update(last).digest('hex')
    const verified = await best(async (run) => {
      const dest = join(work, `vdown-${mib}-${run}`)
      const t = await timed(() => client.getToFile(blobId, dest, { verify: { sha256: lastSha, size } }))
      await rm(dest)
      return t
    })
    const down = await best(async (run) => {
      const dest = join(work, `down-${mib}-${run}`)
      const t = await timed(() => httpDownload(`${node.url}/v1/blobs/${blobId}`, dest))
      await rm(dest)
      return t
    })
    const cf = await best(async (run) => {
      const dest = join(work, `cf-${mib}-${run}`)
      const t = await timed(async () => {
        await copyFile(src, dest)
        const fh = await open(dest, 'r')
        await fh.sync()
        await fh.close()
      })
      await rm(dest)
      return t
    })
    const sc = await best(async (run) => {
      const dest = join(work, `sc-${mib}-${run}`)
      const t = await timed(() => streamCopy(src, dest))
      await rm(dest)
      return t
    })
    const mbps = (s: number) => size / 1e6 / s
    rows.push({
      sizeMiB: mib,
      uploadMBps: mbps(up),
      downloadMBps: mbps(down),
      verifiedDownloadMBps: mbps(verified),
      copyFileMBps: mbps(cf),
      streamCopyMBps: mbps(sc),
      downloadVsStreamCopy: sc / down,
      verifiedVsStreamCopy: sc / verified,
      downloadVsCopyFile: cf / down,
    })
    await rm(src)
  }
} finally {
  await client.close()
  node.child.kill('SIGTERM')
}
const small = new TextEncoder().encode('hello walrus')
computeBlobId(new Uint8Array(1), { shards: 1000 }) // builds the encoder once
const idSmall = await best(async () => timed(async () => computeBlobId(small, { shards: 1000 })))
const oneMiB = new Uint8Array(MIB)
const id1MiB = await best(async () => timed(async () => computeBlobId(oneMiB, { shards: 1000 })))
await rm(work, { recursive: true, force: true })

if (values.json) {
  process.stdout.write(`${JSON.stringify({ shards: SHARDS, runs: RUNS, rows, blobIdSeconds1000Shards: { bytes12: idSmall, mib1: id1MiB } }, null, 2)}\n`)
} else {
  const f = (n: number) => n.toFixed(0)
  console.log(`storage bench: embedded store as a separate process, ${SHARDS} shards, best of ${RUNS}`)
  const pct = (x: number) => `${(x * 100).toFixed(0)} %`
  console.log('| blob | upload MB/s | download MB/s | verified download MB/s | stream copy MB/s | copyFile MB/s | download / stream copy | verified / stream copy | download / copyFile |')
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const r of rows) {
    console.log(`| ${r.sizeMiB} MiB | ${f(r.uploadMBps)} | ${f(r.downloadMBps)} | ${f(r.verifiedDownloadMBps)} | ${f(r.streamCopyMBps)} | ${f(r.copyFileMBps)} | ${pct(r.downloadVsStreamCopy)} | ${pct(r.verifiedVsStreamCopy)} | ${pct(r.downloadVsCopyFile)} |`)
  }
  console.log(`blob ID at 1000 shards: ${(idSmall * 1000).toFixed(0)} ms for 12 bytes, ${(id1MiB * 1000).toFixed(0)} ms for 1 MiB`)
}
