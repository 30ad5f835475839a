/**
 * The inference node's local model cache: model files on disk, keyed by their sha256, at
 * most `maxBytes` in all, least recently used evicted first. Every fill is verified (each
 * chunk and the whole file against the sha256 the ledger records), and a file found on disk
 * from an earlier run is re-hashed before its first use, so a cache hit is never a wrong model.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, readdir, rm, stat, utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { BaseError } from '../core/errors.ts'
import type { BlobStore } from './blobStore.ts'
import { downloadModel, readModelManifest } from './downloadModel.ts'
import { BlobIntegrityError, ModelManifestError } from './errors.ts'
import type { OnProgress } from './progress.ts'

export class ModelTooLargeForCacheError extends BaseError {
  override name = 'ModelTooLargeForCacheError' as const
  constructor({ size, maxBytes }: { size: number; maxBytes: number }) {
    super(`model of ${size} bytes does not fit the model cache (${maxBytes} bytes)`, { code: 'model_cache_too_small' })
  }
}

/** What the ledger says about a model: where it is and what it must hash to. */
export type CachedModelRef = { manifestBlobId: string; sha256: string }

export type ModelCacheParameters = { dir: string; maxBytes: number; store: BlobStore }

export type ModelCacheStats = { entries: number; bytes: number; maxBytes: number; hits: number; misses: number; evictions: number }

type Entry = { sha256: string; size: number; pins: number; verified: boolean }

const FILE_RE = /^([0-9a-f]{64})\.onnx$/

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/**
 * @example
 * const cache = await ModelCache.open({ dir: '/var/haca/models', maxBytes: 10 * 2 ** 30, store })
 * const lease = await cache.acquire({ manifestBlobId, sha256 })
 * try { session = await ort.InferenceSession.create(lease.path) } finally { lease.release() }
 */
export class ModelCache {
  readonly dir: string
  readonly maxBytes: number
  private readonly store: BlobStore
  /** In LRU order: first is least recently used. */
  private readonly entries = new Map<string, Entry>()
  private readonly filling = new Map<string, Promise<Entry>>()
  private readonly verifying = new Map<string, Promise<boolean>>()
  private bytes = 0
  private hits = 0
  private misses = 0
  private evictions = 0

  private constructor({ dir, maxBytes, store }: ModelCacheParameters) {
    this.dir = dir
    this.maxBytes = maxBytes
    this.store = store
  }

  /** Opens (or creates) a cache folder, adopting the model files an earlier run left there. */
  static async open(params: ModelCacheParameters): Promise<ModelCache> {
    const cache = new ModelCache(params)
    await mkdir(params.dir, { recursive: true })
    const found: { sha256: string; size: number; mtime: number }[] = []
    for (const name of await readdir(params.dir)) {
      const m = FILE_RE.exec(name)
      if (!m) {
        // Half-written downloads from a crash.
        if (name.includes('.partial-')) await rm(join(params.dir, name), { force: true })
        continue
      }
      const s = await stat(join(params.dir, name))
      found.push({ sha256: m[1], size: s.size, mtime: s.mtimeMs })
    }
    // Recency survives restarts through file mtimes (touched on every use).
    found.sort((a, b) => a.mtime - b.mtime)
    for (const f of found) {
      cache.entries.set(f.sha256, { sha256: f.sha256, size: f.size, pins: 0, verified: false })
      cache.bytes += f.size
    }
    await cache.evict(undefined, 0)
    return cache
  }

  pathOf(sha256: string): string {
    return join(this.dir, `${sha256}.onnx`)
  }

  stats(): ModelCacheStats {
    return { entries: this.entries.size, bytes: this.bytes, maxBytes: this.maxBytes, hits: this.hits, misses: this.misses, evictions: this.evictions }
  }

  has(sha256: string): boolean {
    return this.entries.has(sha256.toLowerCase().replace(/^0x/, ''))
  }

  /**
   * The model's file path, fetched and verified on a miss. The file is pinned (not evicted)
   * until `release()`: load it into the runtime before releasing.
   */
  async acquire(ref: CachedModelRef, { onProgress }: { onProgress?: OnProgress } = {}): Promise<{ path: string; release: () => void }> {
    const sha256 = ref.sha256.toLowerCase().replace(/^0x/, '')
    let entry = this.entries.get(sha256)
    if (entry && !entry.verified) {
      // Adopted from disk: prove it before its first use this run (once, however many ask).
      let check = this.verifying.get(sha256)
      if (!check) {
        const adopted = entry
        adopted.pins++
        check = hashFile(this.pathOf(sha256))
          .then((actual) => actual === sha256, () => false)
          .then(async (ok) => {
            adopted.pins--
            if (ok) adopted.verified = true
            else if (this.entries.get(sha256) === adopted) {
              this.drop(adopted)
              await rm(this.pathOf(sha256), { force: true })
            }
            return ok
          })
          .finally(() => this.verifying.delete(sha256))
        this.verifying.set(sha256, check)
      }
      if (!(await check)) entry = undefined
    }
    if (entry) {
      this.hits++
      this.entries.delete(sha256)
      this.entries.set(sha256, entry)
      // Pinned before the await below: an eviction running meanwhile must not delete the file we hand out.
      entry.pins++
      const now = new Date()
      await utimes(this.pathOf(sha256), now, now).catch(() => {})
      entry.pins--
    } else {
      let pending = this.filling.get(sha256)
      if (!pending) {
        this.misses++
        pending = this.fill(ref.manifestBlobId, sha256, onProgress).finally(() => this.filling.delete(sha256))
        this.filling.set(sha256, pending)
      }
      entry = await pending
    }
    entry.pins++
    let released = false
    const pinned = entry
    return {
      path: this.pathOf(sha256),
      release: () => {
        if (released) return
        released = true
        pinned.pins--
      },
    }
  }

  /** `acquire` without a pin: for callers that copy or load the file at once. */
  async get(ref: CachedModelRef, options: { onProgress?: OnProgress } = {}): Promise<string> {
    const lease = await this.acquire(ref, options)
    lease.release()
    return lease.path
  }

  private async fill(manifestBlobId: string, sha256: string, onProgress?: OnProgress): Promise<Entry> {
    const manifest = await readModelManifest(this.store, manifestBlobId)
    if (manifest.sha256 !== sha256) {
      throw new ModelManifestError({ manifestBlobId, reason: `it describes a file with sha256 ${manifest.sha256}, expected ${sha256}` })
    }
    if (manifest.size > this.maxBytes) throw new ModelTooLargeForCacheError({ size: manifest.size, maxBytes: this.maxBytes })
    // Make room first, so the folder never holds more than maxBytes of finished models.
    await this.evict(undefined, manifest.size)
    const result = await downloadModel(this.store, { manifestBlobId, dest: this.pathOf(sha256), sha256, onProgress, manifest })
    if (result.sha256 !== sha256) throw new BlobIntegrityError({ blobId: manifestBlobId, what: 'model sha256', expected: sha256, actual: result.sha256 })
    const entry: Entry = { sha256, size: result.size, pins: 0, verified: true }
    this.entries.set(sha256, entry)
    this.bytes += entry.size
    await this.evict(sha256, 0)
    return entry
  }

  private drop(entry: Entry): void {
    this.entries.delete(entry.sha256)
    this.bytes -= entry.size
  }

  /** Evicts least recently used, unpinned models until `incoming` more bytes fit. */
  private async evict(keep: string | undefined, incoming: number): Promise<void> {
    for (const entry of [...this.entries.values()]) {
      if (this.bytes + incoming <= this.maxBytes) return
      if (entry.sha256 === keep || entry.pins > 0) continue
      this.drop(entry)
      this.evictions++
      await rm(this.pathOf(entry.sha256), { force: true })
    }
  }
}
