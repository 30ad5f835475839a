/**
 * Node lists for the SDK commands: `--node URL=ADDRESS` (repeatable) or `--nodes-file FILE`
 * (JSON `[{ url, address }]`), or else the ledger's node registry (`--ledger URL` / `$HACA_NODE`),
 * or else the local devnet's nodes.json.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { defaultHome } from '../../defaults.ts'
import { BaseError } from '../../../core/errors.ts'
import { parseAddress } from '../../../core/keys.ts'
import type { StaticNode } from '../../../client/nodeDirectory.ts'
import type { HacaClientNodeSource } from '../../../client/HacaClient.ts'
import { RegistryNodeDirectory, ledgerHasRegistry } from '../../../client/registryNodeDirectory.ts'
import { LedgerRpc } from '../../../client/ledger/ledgerRpc.ts'

export class NodeListError extends BaseError {
  override name = 'NodeListError' as const
  constructor({ reason }: { reason: string }) {
    super(reason, { code: 'node_list' })
  }
}

export type NodeListOptions = { node?: string[]; nodesFile?: string }

/** The local devnet's node list (written by `haca devnet`), used when no node is named. */
export function devnetNodesFile(): string | undefined {
  const file = join(defaultHome(), 'devnet', 'nodes.json')
  return existsSync(file) ? file : undefined
}

export function nodesFromOptions({ node = [], nodesFile = node.length ? undefined : process.env.HACA_NODES ?? devnetNodesFile() }: NodeListOptions): StaticNode[] {
  const nodes: StaticNode[] = []
  for (const spec of node) {
    const at = spec.lastIndexOf('=')
    if (at < 0) throw new NodeListError({ reason: `--node ${spec}: give the node's address too (--node URL=0x…), so its receipts can be verified` })
    nodes.push({ url: spec.slice(0, at), address: parseAddress(spec.slice(at + 1)) })
  }
  if (nodesFile) {
    let list: unknown
    try {
      list = JSON.parse(readFileSync(nodesFile, 'utf8'))
    } catch (err) {
      throw new NodeListError({ reason: `--nodes-file ${nodesFile}: ${err instanceof Error ? err.message : String(err)}` })
    }
    if (!Array.isArray(list)) throw new NodeListError({ reason: `--nodes-file ${nodesFile}: expected a JSON array of { url, address }` })
    for (const n of list as { url?: unknown; address?: unknown }[]) {
      if (typeof n.url !== 'string' || typeof n.address !== 'string') throw new NodeListError({ reason: `--nodes-file ${nodesFile}: every entry needs "url" and "address"` })
      nodes.push({ url: n.url, address: parseAddress(n.address) })
    }
  }
  if (nodes.length === 0) throw new NodeListError({ reason: 'no nodes: pass --node URL=ADDRESS or --nodes-file FILE (or start a local network with `haca devnet`)' })
  return nodes
}

/**
 * Where the SDK commands find nodes: the nodes named (`--node`, `--nodes-file`, `$HACA_NODES`)
 * if any; else the active nodes of the ledger's registry (`--ledger`, `$HACA_NODE`, or the
 * local default), when that ledger answers and keeps a registry; else the devnet's nodes.json.
 */
export async function nodeSourceFromOptions(o: NodeListOptions & { ledger?: string }, defaultLedger: string): Promise<HacaClientNodeSource> {
  if ((o.node?.length ?? 0) > 0 || o.nodesFile || process.env.HACA_NODES) return { nodes: nodesFromOptions(o) }
  const url = o.ledger ?? defaultLedger
  let rpc: LedgerRpc | undefined
  let registry = false
  try {
    rpc = await LedgerRpc.connect(url)
    registry = await ledgerHasRegistry(rpc)
  } catch (err) {
    // Named explicitly, an unreachable ledger is an error; the default one may simply not run.
    if (o.ledger) throw err
  }
  if (rpc && registry) return { directory: new RegistryNodeDirectory({ rpc, ttlMs: 10_000 }) }
  rpc?.disconnect()
  if (o.ledger && !devnetNodesFile()) throw new NodeListError({ reason: `the ledger at ${o.ledger} keeps no node registry: pass --node URL=ADDRESS or --nodes-file FILE` })
  return { nodes: nodesFromOptions(o) }
}
