/**
 * Where the SDK learns which nodes exist: a static list (here), or the ledger's node registry
 * (`registryNodeDirectory.ts`); each node's models, prices and mode are read from its
 * `GET /v1/models` and cached.
 */
import type { Hex } from '../core/bytes.ts'
import { type Address, parseAddress } from '../core/keys.ts'
import type { Receipt } from '../protocol/receipt.ts'
import type { InferenceMode } from '../protocol/modes.ts'
import { NodeRequestError } from './errors.ts'

/** One model on one node. */
export type NodeModel = { id: string; kind: 'onnx' | 'chat'; price: bigint; mode: InferenceMode }

/** A node as the SDK routes to it: where it is, whose key signs its receipts, what it serves. */
export type NodeInfo = {
  url: string
  address: Address
  models: NodeModel[]
  /** Registered nodes: the signing key (compressed secp256k1), the registry account, and the attested HPKE key if any. */
  signingKey?: Hex
  registryAddress?: Address
  hpkePublicKey?: Hex
}

export interface NodeDirectory {
  /** The nodes known now (may be cached). */
  listNodes(): Promise<NodeInfo[]>
  /** Throws a ReceiptVerificationError unless the receipt's key belongs to a node this directory vouches for (the registry: an active one). */
  checkReceiptSigner?(receipt: Receipt, node: { url: string; address: Address }): Promise<void>
  /** Forgets a cached list, so the next `listNodes` asks again. */
  invalidate?(): void
}

/** A node given by hand: its URL and the address its receipts must be signed by. */
export type StaticNode = { url: string; address: string }

type ModelsAnswer = { data?: { id: string; haca?: { kind?: string; price?: string; mode?: string } }[] }

/** Reads a node's model list. */
export async function fetchNodeModels(url: string, timeoutMs = 5000): Promise<NodeModel[]> {
  const res = await fetch(`${url.replace(/\/$/, '')}/v1/models`, { signal: AbortSignal.timeout(timeoutMs) })
  if (!res.ok) throw new NodeRequestError({ node: url, status: res.status, message: 'GET /v1/models failed' })
  const body = (await res.json()) as ModelsAnswer
  return (body.data ?? []).map((m) => ({
    id: m.id,
    kind: m.haca?.kind === 'onnx' ? 'onnx' : 'chat',
    price: /^[0-9]+$/.test(m.haca?.price ?? '') ? BigInt(m.haca!.price!) : 0n,
    mode: (m.haca?.mode ?? 'vanilla') as InferenceMode,
  }))
}

/** A fixed list of nodes; model lists are fetched from each node and refreshed every `ttlMs`. */
export class StaticNodeDirectory implements NodeDirectory {
  private readonly nodes: StaticNode[]
  private cache: { at: number; nodes: NodeInfo[] } | null = null
  private loading: Promise<NodeInfo[]> | null = null

  constructor(nodes: StaticNode[], private readonly ttlMs = 60_000) {
    this.nodes = nodes.map((n) => ({ url: n.url.replace(/\/$/, ''), address: parseAddress(n.address) }))
  }

  async listNodes(): Promise<NodeInfo[]> {
    if (this.cache && Date.now() - this.cache.at < this.ttlMs) return this.cache.nodes
    this.loading ??= (async () => {
      const nodes = await Promise.all(this.nodes.map(async (n) => {
        try {
          return { url: n.url, address: n.address as Address, models: await fetchNodeModels(n.url) }
        } catch {
          // An unreachable node serves nothing until the next refresh.
          return { url: n.url, address: n.address as Address, models: [] }
        }
      }))
      this.cache = { at: Date.now(), nodes }
      return nodes
    })().finally(() => { this.loading = null })
    return this.loading
  }

  /** Forgets cached model lists (e.g. after a node was restarted with other models). */
  invalidate(): void {
    this.cache = null
  }
}
