/**
 * Node choice: the nodes that serve the model in the wanted mode (and within the price
 * limit), cheapest first, then fastest by measured latency; nodes that just failed are tried
 * last. Latency is an exponentially weighted average of completed requests.
 */
import type { InferenceMode } from '../protocol/modes.ts'
import type { NodeInfo, NodeModel } from './nodeDirectory.ts'

export type Candidate = { node: NodeInfo; model: NodeModel }

/** Per-node measurements the client keeps across calls. */
export class NodeStats {
  private readonly latency = new Map<string, number>()
  private readonly failedAt = new Map<string, number>()

  constructor(private readonly penaltyMs = 30_000) {}

  recordSuccess(url: string, ms: number): void {
    const prev = this.latency.get(url)
    this.latency.set(url, prev === undefined ? ms : prev * 0.7 + ms * 0.3)
    this.failedAt.delete(url)
  }

  recordFailure(url: string): void {
    this.failedAt.set(url, Date.now())
  }

  /** Measured latency in ms; unmeasured nodes count as 0 so they get tried. */
  latencyOf(url: string): number {
    return this.latency.get(url) ?? 0
  }

  recentlyFailed(url: string): boolean {
    const at = this.failedAt.get(url)
    return at !== undefined && Date.now() - at < this.penaltyMs
  }
}

export type SelectNodesParameters = { model: string; mode?: InferenceMode; maxPrice?: bigint; kind?: NodeModel['kind'] }

export function selectNodes(nodes: NodeInfo[], stats: NodeStats, { model, mode, maxPrice, kind }: SelectNodesParameters): Candidate[] {
  const out: Candidate[] = []
  for (const node of nodes) {
    const m = node.models.find((x) => x.id === model && (mode === undefined || x.mode === mode) && (kind === undefined || x.kind === kind))
    if (m && (maxPrice === undefined || m.price <= maxPrice)) out.push({ node, model: m })
  }
  return out.sort((a, b) => {
    const failed = Number(stats.recentlyFailed(a.node.url)) - Number(stats.recentlyFailed(b.node.url))
    if (failed) return failed
    if (a.model.price !== b.model.price) return a.model.price < b.model.price ? -1 : 1
    return stats.latencyOf(a.node.url) - stats.latencyOf(b.node.url)
  })
}
