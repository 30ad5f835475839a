/**
 * Who a node is, from the URL a stock client calls: the key its receipts must be signed by and
 * the account its payment channel must name. Pinned nodes (`{ url, address }`) are taken as
 * given; any other URL is looked up in the ledger's registry, as the active inference node
 * registered with that endpoint (the list is cached for `ttlMs`, and read again on a miss).
 */
import { fromHex } from '../../core/bytes.ts'
import { type Address, addressOfPublicKey, parseAddress } from '../../core/keys.ts'
import type { NodeView } from '../../ledger/registry/node.ts'
import { type LedgerRpc, RpcError } from '../ledger/ledgerRpc.ts'
import type { StaticNode } from '../nodeDirectory.ts'
import { UnknownNodeError } from './errors.ts'

export type NodeIdentity = {
  /** The address whose key signs the node's receipts. */
  signer: Address
  /** The address payment channels to the node must name. */
  payee: Address
}

export class NodeIdentities {
  private readonly pinned = new Map<string, NodeIdentity>()
  private registered: { at: number; byOrigin: Map<string, NodeIdentity> } | undefined

  constructor(
    private readonly ledger: () => Promise<LedgerRpc>,
    nodes: StaticNode[] = [],
    private readonly ttlMs = 30_000,
  ) {
    for (const n of nodes) {
      const address = parseAddress(n.address)
      this.pinned.set(new URL(n.url).origin, { signer: address, payee: address })
    }
  }

  /** The identity of the node at `origin`; throws UnknownNodeError when neither pinned nor registered. */
  async of(origin: string): Promise<NodeIdentity> {
    const pinned = this.pinned.get(origin)
    if (pinned) return pinned
    const fresh = this.registered && Date.now() - this.registered.at < this.ttlMs
    let found = fresh ? this.registered!.byOrigin.get(origin) : undefined
    // A node registered after the list was read is found by reading it again.
    if (!found) found = (await this.load()).get(origin)
    if (!found) throw new UnknownNodeError({ node: origin })
    return found
  }

  private async load(): Promise<Map<string, NodeIdentity>> {
    const rpc = await this.ledger()
    let nodes: NodeView[]
    try {
      nodes = (await rpc.queryJson<{ nodes: NodeView[] }>('/registry/nodes/type=inference')).nodes
    } catch (err) {
      // The ledger answered, but keeps no registry: only pinned nodes are known.
      if (!(err instanceof RpcError && /query \/registry\/nodes\S* failed/.test(err.message))) throw err
      nodes = []
    }
    const byOrigin = new Map<string, NodeIdentity>()
    for (const n of nodes) {
      if (!n.active) continue
      let origin: string
      try {
        origin = new URL(n.endpoint).origin
      } catch {
        continue
      }
      byOrigin.set(origin, { signer: addressOfPublicKey(fromHex(n.signingKey)), payee: n.address })
    }
    this.registered = { at: Date.now(), byOrigin }
    return byOrigin
  }
}
