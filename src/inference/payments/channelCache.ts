/**
 * The node's cache of payment channels, read from the ledger (`/payments/channel/<id>`). The
 * fast path reads it without waiting; an entry older than `ttlMs`, a channel not seen yet, or a
 * voucher above the cached deposit (a top-up may have landed) makes one ledger query.
 */
import { type Hex } from '../../core/bytes.ts'
import type { LedgerRpc } from '../../consensus/rpc/ledger-rpc.ts'
import type { ChannelView } from '../../ledger/payments/queries.ts'
import type { ChannelTerms } from '../../ledger/payments/voucher.ts'

/** Reads one channel from the ledger; undefined when it does not exist. */
export type ChannelSource = (id: Hex) => Promise<ChannelView | undefined>

/** A cached channel: the terms a voucher is checked against, and what was settled of it. */
export type CachedChannel = ChannelTerms & { spent: bigint; view: ChannelView; fetchedAtMs: number }

/** Channels from a ledger node over CometBFT RPC. */
export function ledgerChannelSource(rpc: Pick<LedgerRpc, 'queryJson'>): ChannelSource {
  return async (id) => {
    try {
      return await rpc.queryJson<ChannelView>(`/payments/channel/${id}`)
    } catch (err) {
      if (/no payment channel/.test((err as Error).message)) return undefined
      throw err
    }
  }
}

export type ChannelCacheOptions = { ttlMs?: number; now?: () => number }

export class ChannelCache {
  private readonly entries = new Map<Hex, CachedChannel>()
  private readonly inflight = new Map<Hex, Promise<CachedChannel | undefined>>()
  readonly ttlMs: number
  private readonly now: () => number

  constructor(
    private readonly source: ChannelSource,
    { ttlMs = 10_000, now = Date.now }: ChannelCacheOptions = {},
  ) {
    this.ttlMs = ttlMs
    this.now = now
  }

  /** The cached entry, however old (no I/O). */
  peek(id: Hex): CachedChannel | undefined {
    return this.entries.get(id)
  }

  /** Whether an entry is younger than the TTL. */
  fresh(c: CachedChannel): boolean {
    return this.now() - c.fetchedAtMs <= this.ttlMs
  }

  /** Queries the ledger now (concurrent callers share one query). */
  refresh(id: Hex): Promise<CachedChannel | undefined> {
    const running = this.inflight.get(id)
    if (running) return running
    const p = this.source(id)
      .then((view) => {
        if (!view) {
          this.entries.delete(id)
          return undefined
        }
        const c: CachedChannel = { id: view.id, client: view.client, node: view.node, deposit: BigInt(view.deposit), spent: BigInt(view.spent), open: view.status === 'open', view, fetchedAtMs: this.now() }
        this.entries.set(id, c)
        return c
      })
      .finally(() => this.inflight.delete(id))
    this.inflight.set(id, p)
    return p
  }
}
