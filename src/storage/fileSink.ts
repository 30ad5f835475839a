/**
 * Writes a stream of bytes to a file and returns their sha256, with the hashing on a worker
 * thread: the main thread receives and batches, the thread pool writes, the worker hashes,
 * all at once. Used for large verified downloads, where hashing in line with receiving
 * would nearly halve the throughput.
 */
import { Worker } from 'node:worker_threads'
import { open } from 'node:fs/promises'
import type { Readable } from 'node:stream'

type HashWorker = { worker: Worker; waiters: Map<number, { resolve: (sha256: string) => void; reject: (err: Error) => void }>; active: number }

let shared: HashWorker | undefined
let nextId = 1

function hashWorker(): HashWorker {
  if (shared) return shared
  const worker = new Worker(new URL('./fileSinkWorker.mjs', import.meta.url))
  const state: HashWorker = { worker, waiters: new Map(), active: 0 }
  worker.on('message', (r: { id: number; sha256: string }) => {
    state.waiters.get(r.id)?.resolve(r.sha256)
    state.waiters.delete(r.id)
  })
  const fail = (err: Error) => {
    if (shared === state) shared = undefined
    for (const w of state.waiters.values()) w.reject(err)
    state.waiters.clear()
  }
  worker.on('error', fail)
  worker.on('exit', () => fail(new Error('hash worker exited')))
  worker.unref()
  shared = state
  return state
}

const BATCH = 4 * 1024 * 1024
/** Batches being written before the socket waits. */
const MAX_WRITES_IN_FLIGHT = 4

/**
 * Pipes `source` to `path` (created or truncated), fsyncs it, and returns its sha256 and size.
 * `onBytes` sees the running byte count as bytes arrive.
 */
export async function sinkToFileHashed(source: Readable, path: string, onBytes?: (done: number) => void): Promise<{ sha256: string; size: number }> {
  const s = hashWorker()
  const id = nextId++
  s.active++
  s.worker.ref()
  const fh = await open(path, 'w')
  let finished = false
  const writes: Promise<unknown>[] = []
  try {
    let pending: Buffer[] = []
    let pendingBytes = 0
    let written = 0
    const flush = async () => {
      if (pendingBytes === 0) return
      const out = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes)
      pending = []
      pendingBytes = 0
      // The worker gets its own copy (transferred, not cloned again); the file gets `out`.
      const copy = new Uint8Array(out)
      s.worker.postMessage({ op: 'update', id, buf: copy.buffer }, [copy.buffer])
      writes.push(fh.write(out, 0, out.length, written))
      written += out.length
      if (writes.length >= MAX_WRITES_IN_FLIGHT) await writes.shift()
    }
    let received = 0
    for await (const chunk of source as AsyncIterable<Buffer>) {
      pending.push(chunk)
      pendingBytes += chunk.length
      received += chunk.length
      onBytes?.(received)
      if (pendingBytes >= BATCH) await flush()
    }
    await flush()
    await Promise.all(writes)
    const digest = new Promise<string>((resolve, reject) => s.waiters.set(id, { resolve, reject }))
    s.worker.postMessage({ op: 'digest', id })
    await fh.sync()
    const sha256 = await digest
    finished = true
    return { sha256, size: received }
  } finally {
    if (!finished) s.worker.postMessage({ op: 'drop', id })
    // Never close the file under a write still in flight.
    await Promise.allSettled(writes)
    await fh.close()
    s.active--
    if (s.active === 0) s.worker.unref()
  }
}
