/**
 * Computes blob IDs on a worker thread so a server stays responsive while an ID takes
 * seconds (1000 shards, large blobs). Jobs run one at a time per worker, in order; the worker
 * does not keep the process alive while idle.
 */
import { Worker } from 'node:worker_threads'
import { BaseError } from '../core/errors.ts'
import { WALRUS_MAINNET_SHARDS } from './blobId.ts'

export class BlobIdComputeError extends BaseError {
  override name = 'BlobIdComputeError' as const
  constructor({ reason }: { reason: string }) {
    super(`could not compute the blob ID: ${reason}`, { code: 'blob_id_compute' })
  }
}

type Job = { resolve: (id: string) => void; reject: (err: Error) => void }

export class BlobIdWorker {
  readonly shards: number
  private worker: Worker | undefined
  private readonly jobs = new Map<number, Job>()
  private nextId = 1

  constructor({ shards = WALRUS_MAINNET_SHARDS }: { shards?: number } = {}) {
    this.shards = shards
  }

  private start(): Worker {
    if (this.worker) return this.worker
    const worker = new Worker(new URL('./blobIdWorker.mjs', import.meta.url))
    worker.on('message', (msg: { id: number; blobId?: string; error?: string }) => {
      const job = this.jobs.get(msg.id)
      if (!job) return
      this.jobs.delete(msg.id)
      if (this.jobs.size === 0) worker.unref()
      if (msg.blobId) job.resolve(msg.blobId)
      else job.reject(new BlobIdComputeError({ reason: msg.error ?? 'unknown' }))
    })
    const failAll = (err: Error): void => {
      this.worker = undefined
      for (const job of this.jobs.values()) job.reject(new BlobIdComputeError({ reason: err.message }))
      this.jobs.clear()
    }
    worker.on('error', failAll)
    worker.on('exit', (code) => failAll(new Error(`worker exited with code ${code}`)))
    worker.unref()
    this.worker = worker
    return worker
  }

  /** The blob ID of a file's contents (the worker reads the file itself). */
  computeForFile(path: string): Promise<string> {
    return this.submit({ path })
  }

  /** The blob ID of bytes in memory (copied to the worker). */
  computeForBytes(bytes: Uint8Array): Promise<string> {
    return this.submit({ bytes: bytes.slice().buffer })
  }

  private submit(input: { path: string } | { bytes: ArrayBuffer }): Promise<string> {
    const worker = this.start()
    const id = this.nextId++
    return new Promise<string>((resolve, reject) => {
      this.jobs.set(id, { resolve, reject })
      worker.ref()
      if ('bytes' in input) worker.postMessage({ id, shards: this.shards, bytes: input.bytes }, [input.bytes])
      else worker.postMessage({ id, shards: this.shards, path: input.path })
    })
  }

  async close(): Promise<void> {
    const worker = this.worker
    this.worker = undefined
    if (worker) await worker.terminate()
  }
}
