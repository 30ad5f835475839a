/**
 * The embedded store's blobs on local disk. A blob is visible once, and only once, its bytes
 * are complete and durable: an upload streams to `tmp/`, is fsynced, gets its blob ID, then
 * its metadata and data are renamed into `blobs/` (metadata first, so a data file always has
 * metadata). A crash at any point leaves at most a stray file in `tmp/`, removed at start.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, open, readFile, rename, rm, stat, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Transform } from 'node:stream'
import { BlobTooLargeError } from '../../storage/errors.ts'
import { isBlobId } from '../../storage/blobId.ts'
import type { BlobIdWorker } from '../../storage/blobIdWorker.ts'

/** What the store keeps about a blob beside its bytes. */
export type StoredBlobMeta = {
  blobId: string
  size: number
  sha256: string
  /** Stand-in for the Sui object ID Walrus would return: stable per blob. */
  objectId: string
  registeredEpoch: number
  endEpoch: number
  deletable: boolean
  storedAt: string
}

export type PutOutcome = { kind: 'newlyCreated' | 'alreadyCertified'; meta: StoredBlobMeta }

export type DiskBlobsParameters = {
  dir: string
  blobIds: BlobIdWorker
  maxBlobSize: number
  /** The embedded store has no epochs of its own; it reports this as the current one. */
  currentEpoch?: number
}

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}

async function writeFileDurably(path: string, data: string): Promise<void> {
  const fh = await open(path, 'w')
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
}

/** Counts bytes and hashes them on the way to disk, failing once the limit is passed. */
class MeterStream extends Transform {
  bytes = 0
  readonly hash = createHash('sha256')
  constructor(private readonly limit: number) {
    super()
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length
    if (this.bytes > this.limit) {
      done(new BlobTooLargeError({ maxSize: this.limit }))
      return
    }
    this.hash.update(chunk)
    done(null, chunk)
  }
}

export class DiskBlobs {
  readonly dir: string
  readonly maxBlobSize: number
  readonly currentEpoch: number
  private readonly blobIds: BlobIdWorker
  private readonly blobsDir: string
  private readonly tmpDir: string
  /** Sui-style blob object ID -> blob ID, for `GET /v1/blobs/by-object-id/:id`. */
  private readonly objectIds = new Map<string, string>()

  constructor({ dir, blobIds, maxBlobSize, currentEpoch = 1 }: DiskBlobsParameters) {
    this.dir = dir
    this.blobIds = blobIds
    this.maxBlobSize = maxBlobSize
    this.currentEpoch = currentEpoch
    this.blobsDir = join(dir, 'blobs')
    this.tmpDir = join(dir, 'tmp')
  }

  get shards(): number {
    return this.blobIds.shards
  }

  /** Creates the folders and removes uploads a crash left half-written. */
  async open(): Promise<void> {
    await mkdir(this.blobsDir, { recursive: true })
    await rm(this.tmpDir, { recursive: true, force: true })
    await mkdir(this.tmpDir, { recursive: true })
    for (const name of await readdir(this.blobsDir)) {
      if (!name.endsWith('.json')) continue
      const meta = await this.meta(name.slice(0, -'.json'.length))
      if (meta) this.objectIds.set(meta.objectId, meta.blobId)
    }
  }

  blobIdOfObject(objectId: string): string | undefined {
    return this.objectIds.get(objectId.toLowerCase())
  }

  dataPath(blobId: string): string {
    return join(this.blobsDir, blobId)
  }

  private metaPath(blobId: string): string {
    return join(this.blobsDir, `${blobId}.json`)
  }

  /** The blob's metadata, or undefined when the store does not hold it complete. */
  async meta(blobId: string): Promise<StoredBlobMeta | undefined> {
    if (!isBlobId(blobId)) return undefined
    try {
      await stat(this.dataPath(blobId))
      return JSON.parse(await readFile(this.metaPath(blobId), 'utf8')) as StoredBlobMeta
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw err
    }
  }

  /**
   * Streams `body` to disk and stores it under its blob ID. Rejects with BlobTooLargeError as
   * soon as the body passes the size limit; nothing is kept in that case.
   */
  async put(body: Readable, { epochs, deletable }: { epochs: number; deletable: boolean }): Promise<PutOutcome> {
    const tmp = join(this.tmpDir, `${Date.now()}-${randomBytes(8).toString('hex')}`)
    const meter = new MeterStream(this.maxBlobSize)
    try {
      await pipeline(body, meter, createWriteStream(tmp))
      await fsyncPath(tmp)
      const blobId = await this.blobIds.computeForFile(tmp)
      const endEpoch = this.currentEpoch + epochs
      const existing = await this.meta(blobId)
      if (existing) {
        await rm(tmp, { force: true })
        // Storing again for longer extends the blob's lifetime, as buying more epochs would.
        if (endEpoch > existing.endEpoch) {
          existing.endEpoch = endEpoch
          await this.writeMeta(existing)
        }
        return { kind: 'alreadyCertified', meta: existing }
      }
      const meta: StoredBlobMeta = {
        blobId,
        size: meter.bytes,
        sha256: meter.hash.digest('hex'),
        objectId: `0x${createHash('sha256').update(`haca-blob-object:${blobId}`).digest('hex')}`,
        registeredEpoch: this.currentEpoch,
        endEpoch,
        deletable,
        storedAt: new Date().toISOString(),
      }
      await this.writeMeta(meta)
      await rename(tmp, this.dataPath(blobId))
      await fsyncPath(this.blobsDir)
      this.objectIds.set(meta.objectId, blobId)
      return { kind: 'newlyCreated', meta }
    } catch (err) {
      await rm(tmp, { force: true })
      throw err
    }
  }

  private async writeMeta(meta: StoredBlobMeta): Promise<void> {
    const tmp = join(this.tmpDir, `${meta.blobId}.${randomBytes(4).toString('hex')}.json`)
    await writeFileDurably(tmp, JSON.stringify(meta))
    await rename(tmp, this.metaPath(meta.blobId))
  }

  /** Stops the blob ID worker. */
  async blobIdsClose(): Promise<void> {
    await this.blobIds.close()
  }

  /** Number of blobs and their total size, for `GET /status`. */
  async usage(): Promise<{ blobs: number; bytes: number }> {
    let blobs = 0
    let bytes = 0
    for (const name of await readdir(this.blobsDir)) {
      if (!isBlobId(name)) continue
      blobs++
      bytes += (await stat(join(this.blobsDir, name))).size
    }
    return { blobs, bytes }
  }
}
