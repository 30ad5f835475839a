/**
 * Nodes discovered from the ledger's node registry: the active inference nodes
 * (`/registry/nodes/type=inference`), each reached at its registered endpoint, its receipts
 * checked against its registered signing key, and encrypted requests sealed to its registered
 * HPKE key. What each node serves right now (models, kinds, prices) is read from its
 * `GET /v1/models`. The list is cached for `ttlMs`; `invalidate()` forgets it.
 */
import { type Hex, fromHex } from '../core/bytes.ts'
import { type Address, addressOfPublicKey, recoverPublicKey } from '../core/keys.ts'
import { LedgerRpc, QueryRefusedError } from './ledger/ledgerRpc.ts'
import type { NodeView } from '../ledger/registry/node.ts'
import { type Receipt, receiptDigest } from '../protocol/receipt.ts'
import { ReceiptVerificationError } from './errors.ts'
import { type NodeDirectory, type NodeInfo, fetchNodeModels } from './nodeDirectory.ts'

/** `/registry/params` as the ledger answers it. */
export type RegistryParamsJson = {
  trustedRoots: string[]
  measurements: Record<'inference' | 'data', { nitro: Array<{ pcr0: string; pcr1: string; pcr2: string }>; tdx: Array<{ mrTd: string; rtmr0?: string; rtmr1?: string; rtmr2?: string; rtmr3?: string }> }>
  maxAttestationAgeMs: string
  minimumTcbStatus: string
  recentBlockHashes: number
  allowVanilla: boolean
}

export type RegistryNodeDirectoryParameters = {
  /** A ledger node's RPC URL (CometBFT's or the embedded engine's), or a connected client. */
  rpc: string | LedgerRpc
  /** How long the node list and key checks are cached; default 10 s. */
  ttlMs?: number
  /** Include nodes registered without a TEE (listed as unattested); default false. */
  includeUnattested?: boolean
}

type Cached<T> = { at: number; value: T }

/**
 * @example
 * const directory = new RegistryNodeDirectory({ rpc: 'http://127.0.0.1:26657' })
 * const client = new HacaClient({ directory })   // or simply new HacaClient({ rpc })
 */
export class RegistryNodeDirectory implements NodeDirectory {
  private readonly ttlMs: number
  private readonly includeUnattested: boolean
  private rpcClient: LedgerRpc | undefined
  private readonly rpcUrl: string | undefined
  private nodes: Cached<NodeInfo[]> | null = null
  private loading: Promise<NodeInfo[]> | null = null
  private readonly byKey = new Map<string, Cached<NodeView | null>>()
  private paramsCache: Cached<RegistryParamsJson> | null = null

  constructor({ rpc, ttlMs = 10_000, includeUnattested = false }: RegistryNodeDirectoryParameters) {
    if (typeof rpc === 'string') this.rpcUrl = rpc
    else this.rpcClient = rpc
    this.ttlMs = ttlMs
    this.includeUnattested = includeUnattested
  }

  /** The ledger client (connected on first use). */
  async ledger(): Promise<LedgerRpc> {
    this.rpcClient ??= await LedgerRpc.connect(this.rpcUrl)
    return this.rpcClient
  }

  /** The registry's active inference nodes, as `/registry/nodes` lists them (cached). */
  async registeredNodes(): Promise<NodeView[]> {
    const filter = this.includeUnattested ? 'type=inference' : 'type=inference&attested=true'
    return (await (await this.ledger()).queryJson<{ nodes: NodeView[] }>(`/registry/nodes/${filter}`)).nodes.filter((n) => n.active)
  }

  async listNodes(): Promise<NodeInfo[]> {
    if (this.nodes && Date.now() - this.nodes.at < this.ttlMs) return this.nodes.value
    this.loading ??= (async () => {
      const registered = await this.registeredNodes()
      const nodes = await Promise.all(registered.map(async (n): Promise<NodeInfo> => {
        const url = n.endpoint.replace(/\/$/, '')
        const info: NodeInfo = { url, address: addressOfPublicKey(fromHex(n.signingKey)), models: [], signingKey: n.signingKey as Hex, registryAddress: n.address }
        if (n.hpkePublicKey) info.hpkePublicKey = n.hpkePublicKey as Hex
        try {
          info.models = await fetchNodeModels(url)
        } catch {
          // An unreachable node serves nothing until the next refresh.
        }
        return info
      }))
      this.nodes = { at: Date.now(), value: nodes }
      return nodes
    })().finally(() => { this.loading = null })
    return this.loading
  }

  /** The registered node holding `signingKey` (hex), whatever its status; null when none (cached). */
  async nodeByKey(signingKey: string): Promise<NodeView | null> {
    const key = signingKey.toLowerCase()
    const hit = this.byKey.get(key)
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.value
    const value = await (await this.ledger()).queryJson<NodeView | null>(`/registry/by_key/${key}`)
    this.byKey.set(key, { at: Date.now(), value })
    return value
  }

  /**
   * Checks that the key that signed `receipt` is the signing key of an active registered node;
   * throws a ReceiptVerificationError (check `node`) otherwise.
   */
  async checkReceiptSigner(receipt: Receipt, node: { url: string; address: Address }): Promise<void> {
    let publicKey: Uint8Array | null = null
    try {
      publicKey = recoverPublicKey(receiptDigest(receipt), fromHex(receipt.signature, 65))
    } catch {
      publicKey = null
    }
    if (!publicKey) throw new ReceiptVerificationError({ node: node.url, address: node.address, check: 'signature', reason: 'the signature recovers no key' })
    const hex = `0x${Buffer.from(publicKey).toString('hex')}`
    const registered = await this.nodeByKey(hex)
    if (!registered) throw new ReceiptVerificationError({ node: node.url, address: node.address, check: 'node', reason: `the signing key ${hex} is not registered on the ledger` })
    if (!registered.active) throw new ReceiptVerificationError({ node: node.url, address: node.address, check: 'node', reason: `the signing key belongs to registered node ${registered.address}, which is ${registered.status}, not active` })
  }

  /** `/registry/params` (cached): trusted roots, allowed measurements, age limit. */
  async params(): Promise<RegistryParamsJson> {
    if (this.paramsCache && Date.now() - this.paramsCache.at < this.ttlMs) return this.paramsCache.value
    const value = await (await this.ledger()).queryJson<RegistryParamsJson>('/registry/params')
    this.paramsCache = { at: Date.now(), value }
    return value
  }

  /** Forgets cached lists and key checks (e.g. right after a node deregistered). */
  invalidate(): void {
    this.nodes = null
    this.byKey.clear()
    this.paramsCache = null
  }

  /** Closes the ledger connection this directory opened. */
  close(): void {
    if (this.rpcUrl) this.rpcClient?.disconnect()
    this.rpcClient = undefined
  }
}

/**
 * Whether the ledger at `rpc` keeps a node registry (its genesis has a registry section).
 * Throws the RpcError when the ledger does not answer at all.
 */
export async function ledgerHasRegistry(rpc: LedgerRpc): Promise<boolean> {
  try {
    return (await rpc.queryJson<{ recentBlockHashes?: number }>('/registry/params')).recentBlockHashes !== 0
  } catch (err) {
    // The ledger answered, but not this query: a ledger without the registry module.
    if (err instanceof QueryRefusedError) return false
    throw err
  }
}
