/**
 * Models by ID from the blob store (Walrus or the embedded store) through the storage
 * engineer's model cache (`src/storage/modelCache.ts`): each model is known by its manifest
 * blob ID and sha256 (what the ledger's model registry records); the cache downloads it once,
 * verifies every chunk and the whole file, and evicts least recently used files past its size.
 */
import { readFile } from 'node:fs/promises'
import type { ModelCache } from '../../../storage/modelCache.ts'
import { type ModelInfo, type ModelSource, UnknownModelError } from './modelSource.ts'

/** A stored model: its ID, where the store has it, its whole-file sha256, and its price here. */
export type StoredModel = ModelInfo & { manifestBlobId: string; sha256: string }

export class BlobStoreModelSource implements ModelSource {
  private readonly models: Map<string, StoredModel>

  constructor(private readonly cache: ModelCache, models: StoredModel[]) {
    this.models = new Map(models.map((m) => [m.id, m]))
  }

  list(): ModelInfo[] {
    return [...this.models.values()].map(({ id, price }) => ({ id, price }))
  }

  async load(id: string): Promise<Uint8Array> {
    const m = this.models.get(id)
    if (!m) throw new UnknownModelError({ model: id })
    return readCachedModel(this.cache, m)
  }
}

/** A model's bytes through the cache (filled and checked against `sha256` on a miss). */
export async function readCachedModel(cache: ModelCache, ref: { manifestBlobId: string; sha256: string }): Promise<Uint8Array> {
  // Pinned while it is read, so a concurrent fill cannot evict it half-way.
  const lease = await cache.acquire({ manifestBlobId: ref.manifestBlobId, sha256: ref.sha256.replace(/^0x/, '') })
  try {
    return new Uint8Array(await readFile(lease.path))
  } finally {
    lease.release()
  }
}
