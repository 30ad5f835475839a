/**
 * Models by ID from the blob store (Walrus or the embedded store) through the storage
 * engineer's model cache (`src/storage/modelCache.ts`): each model is known by its manifest
 * blob ID and sha256 (what the ledger's model registry records); the cache downloads it once,
 * verifies every chunk and the whole file, and evicts least recently used files past its size.
 */
import { readFile } from 'node:fs/promises'
import type { ModelCache } from '../../../storage/modelCache.ts'
import { ListedModelSource, type ModelInfo } from './modelSource.ts'

/** A stored model: its ID, where the store has it, its whole-file sha256, and its price here. */
export type StoredModel = ModelInfo & { manifestBlobId: string; sha256: string }

export class BlobStoreModelSource extends ListedModelSource<StoredModel> {
  constructor(private readonly cache: ModelCache, models: StoredModel[]) {
    super(models)
  }

  protected read(m: StoredModel): Promise<Uint8Array> {
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
