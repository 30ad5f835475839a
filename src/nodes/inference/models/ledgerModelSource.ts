/**
 * Every model registered on the ledger, served by model ID (0x…): the list is read from the
 * ledger (and refreshed), the bytes come through the model cache, which checks them against
 * the sha256 the ledger records. A node configured this way needs no model list of its own.
 */
import type { LedgerRpc } from '../../../client/ledger/ledgerRpc.ts'
import type { ModelView } from '../../../ledger/models/queries.ts'
import type { ModelCache } from '../../../storage/modelCache.ts'
import { type ModelInfo, type ModelSource, UnknownModelError } from './modelSource.ts'
import { readCachedModel } from './blobStoreModelSource.ts'

export class LedgerModelSource implements ModelSource {
  private models = new Map<string, ModelView>()
  private timer: NodeJS.Timeout | undefined
  private refreshedAt = 0
  private inflight: Promise<void> | undefined

  constructor(
    private readonly rpc: LedgerRpc,
    private readonly cache: ModelCache,
  ) {}

  /** Reads the registry now, then every `refreshMs` (errors keep the last good list). */
  async start(refreshMs = 5_000): Promise<void> {
    await this.refresh()
    this.timer = setInterval(() => void this.refresh(refreshMs / 2).catch(() => {}), refreshMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
  }

  /** Re-reads the registry unless it did within `maxAgeMs`; concurrent callers share one read. */
  async refresh(maxAgeMs = 500): Promise<void> {
    if (Date.now() - this.refreshedAt < maxAgeMs) return
    this.inflight ??= this.rpc
      .queryJson<ModelView[]>('/models/all')
      .then((all) => {
        this.models = new Map(all.map((m) => [m.id, m]))
        this.refreshedAt = Date.now()
      })
      .finally(() => {
        this.inflight = undefined
      })
    await this.inflight
  }

  list(): ModelInfo[] {
    return [...this.models.values()].map((m) => ({ id: m.id, price: BigInt(m.price) }))
  }

  async load(id: string): Promise<Uint8Array> {
    let m = this.models.get(id)
    if (!m) {
      // Registered since the last refresh?
      await this.refresh(0)
      m = this.models.get(id)
    }
    if (!m) throw new UnknownModelError({ model: id })
    return readCachedModel(this.cache, m)
  }
}
