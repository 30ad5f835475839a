/** The model source a config describes. */
import { LedgerRpc } from '../../../client/ledger/ledgerRpc.ts'
import { WalrusClient } from '../../../storage/walrusClient.ts'
import { ModelCache } from '../../../storage/modelCache.ts'
import type { InferenceNodeConfig } from '../config.ts'
import { type ModelSource, CombinedModelSource, FileModelSource } from './modelSource.ts'
import { BlobStoreModelSource } from './blobStoreModelSource.ts'
import { LedgerModelSource } from './ledgerModelSource.ts'

/**
 * Local files and blob-store models (through the model cache), as the config lists them, and,
 * with `ledger.serveRegisteredModels`, every model registered on the ledger by its model ID.
 */
export async function modelSourceFromConfig(config: InferenceNodeConfig): Promise<ModelSource> {
  const files = config.models.flatMap((m) => ('path' in m ? [{ id: m.id, price: m.price, path: m.path }] : []))
  const stored = config.models.flatMap((m) => ('manifestBlobId' in m ? [m] : []))
  const fromLedger = Boolean(config.ledger?.serveRegisteredModels)
  if ((stored.length === 0 && !fromLedger) || !config.storage) return new FileModelSource(files)
  const store = new WalrusClient({ publisherUrl: config.storage.publisherUrl, aggregatorUrl: config.storage.aggregatorUrl, shards: config.storage.shards })
  const cache = await ModelCache.open({ dir: config.storage.cacheDir, maxBytes: config.storage.maxCacheBytes, store })
  const sources: ModelSource[] = [new FileModelSource(files), new BlobStoreModelSource(cache, stored)]
  if (fromLedger && config.ledger) {
    const registered = new LedgerModelSource(await LedgerRpc.connect(config.ledger.rpc), cache)
    await registered.start()
    sources.push(registered)
  }
  return new CombinedModelSource(sources)
}
