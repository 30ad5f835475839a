/**
 * The node's cache of payment channels, read from the ledger (`/payments/channel/<id>`). The
 * fast path reads it without waiting; an entry older than `ttlMs`, a channel not seen yet, or a
 * voucher above the cached deposit (a top-up may have landed) makes one ledger query.
 */
import { type Hex } from '../../../core/bytes.ts'
import type { LedgerRpc } from '../../../client/ledger/ledgerRpc.ts'
import type { ChannelView } from '../../../ledger/payments/queries.ts'
import type { ChannelTerms } from '../../../protocol/voucher.ts'

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

const MISSING_RECHECK_MS = 1_000
const MISSING_LIMIT = 10_000

export type ChannelCacheOptions = { ttlMs?: number; now?: () => number }

export class ChannelCache {
  private readonly entries = new Map<Hex, CachedChannel>()
  private readonly inflight = new Map<Hex, Promise<CachedChannel | undefined>>()
  /** Channels the ledger did not know, and when it was asked (bounded: unknown IDs cost a client nothing to invent). */
  private readonly missing = new Map<Hex, number>()
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

  /** Milliseconds since the entry was read from the ledger. */
  ageMs(c: CachedChannel): number {
    return this.now() - c.fetchedAtMs
  }

  /** Queries the ledger now (concurrent callers share one query; an unknown channel is asked again after a second at most). */
  refresh(id: Hex): Promise<CachedChannel | undefined> {
    const running = this.inflight.get(id)
    if (running) return running
    const missedAt = this.missing.get(id)
    if (missedAt !== undefined && this.now() - missedAt < MISSING_RECHECK_MS) return Promise.resolve(undefined)
    const p = this.source(id)
      .then((view) => {
        if (!view) {
          this.entries.delete(id)
          if (this.missing.size >= MISSING_LIMIT) this.missing.clear()
          this.missing.set(id, this.now())
          return undefined
        }
        this.missing.delete(id)
        const c: CachedChannel = { id: view.id, client: view.client, node: view.node, deposit: BigInt(view.deposit), spent: BigInt(view.spent), open: view.status === 'open', view, fetchedAtMs: this.now() }
        this.entries.set(id, c)
        return c
      })
      .finally(() => this.inflight.delete(id))
    this.inflight.set(id, p)
    return p
  }
}
