/**
 * Models by ID from the blob store (Walrus or the embedded store): each model is known by its
 * manifest blob ID and sha256 (what the ledger's model registry records), downloaded once into
 * a local cache directory named by sha256, and read from there afterwards. Every byte is
 * checked by the storage client (chunk hashes, then the whole file's sha256).
 */
import { createHash } from 'node:crypto'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { BlobStore } from '../storage/blobStore.ts'
import { downloadModel } from '../storage/downloadModel.ts'
import { type ModelInfo, type ModelSource, UnknownModelError } from './modelSource.ts'

/** A stored model: its ID, where the store has it, its whole-file sha256, and its price here. */
export type StoredModel = ModelInfo & { manifestBlobId: string; sha256: string }

export class BlobStoreModelSource implements ModelSource {
  private readonly models: Map<string, StoredModel>
  private readonly downloads = new Map<string, Promise<string>>()

  constructor(private readonly store: BlobStore, private readonly cacheDir: string, models: StoredModel[]) {
    this.models = new Map(models.map((m) => [m.id, { ...m, sha256: m.sha256.toLowerCase().replace(/^0x/, '') }]))
  }

  list(): ModelInfo[] {
    return [...this.models.values()].map(({ id, price }) => ({ id, price }))
  }

  /** The cached file's path, downloading it first if needed (one download per model at a time). */
  async fetch(id: string): Promise<string> {
    const m = this.models.get(id)
    if (!m) throw new UnknownModelError({ model: id })
    const dest = join(this.cacheDir, `${m.sha256}.onnx`)
    let pending = this.downloads.get(m.sha256)
    if (!pending) {
      pending = (async () => {
        await mkdir(this.cacheDir, { recursive: true })
        // A cached file is trusted only if it still hashes to the model's sha256.
        try {
          if (createHash('sha256').update(await readFile(dest)).digest('hex') === m.sha256) return dest
        } catch {
          // Not cached yet.
        }
        await downloadModel(this.store, { manifestBlobId: m.manifestBlobId, sha256: m.sha256, dest })
        return dest
      })()
      this.downloads.set(m.sha256, pending)
      pending.catch(() => this.downloads.delete(m.sha256))
    }
    return pending
  }

  async load(id: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(await this.fetch(id)))
  }
}
