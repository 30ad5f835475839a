/**
 * Registry queries (`/registry/...`, JSON). Status is computed at the block time of the last
 * finalized block (the registry head), so a lapsed node is listed as lapsed without any write.
 * For a proof of one node's record, query `/store` with `nodeKey(address)` (see keys.ts).
 */
import { toHex } from '../../core/bytes.ts'
import type { Address } from '../../core/keys.ts'
import type { StateReader } from '../state/overlay.ts'
import { ErrInvalidMessage } from './errors.ts'
import { getHead, getNode, listNodeAddresses, operatorOfSigningKey } from './keeper.ts'
import { NODE_TYPES, type NodeType } from './measurements.ts'
import { type NodeView, nodeView } from './node.ts'
import { getRegistryParams } from './params.ts'

async function nowOf(store: StateReader): Promise<bigint> {
  return (await getHead(store))?.timeMs ?? 0n
}

export async function queryNode(store: StateReader, address: Address): Promise<NodeView | null> {
  const node = await getNode(store, address)
  if (!node) return null
  return nodeView(address, node, await getRegistryParams(store), await nowOf(store))
}

/** The node that holds `signingKey` (to check a receipt's key), or null. */
export async function queryNodeBySigningKey(store: StateReader, signingKey: Uint8Array): Promise<NodeView | null> {
  const address = await operatorOfSigningKey(store, signingKey)
  return address ? queryNode(store, address) : null
}

/** Filters of `/registry/nodes/<filters>`, written as a query string: `type=inference&model=m&mode=fast&runtime=onnx&attested=true&status=all`. */
export type NodeFilters = {
  type?: NodeType
  mode?: string
  model?: string
  /** A runtime the node runs (`capability` is accepted as a synonym). */
  runtime?: string
  attested?: boolean
  /** Default: active nodes only. */
  includeInactive?: boolean
}

export function parseNodeFilters(rest: string): NodeFilters {
  const q = new URLSearchParams(rest.replace(/^\?/, ''))
  const f: NodeFilters = {}
  for (const [k, v] of q) {
    if (k === 'type') {
      if (!(NODE_TYPES as readonly string[]).includes(v)) throw new ErrInvalidMessage(`unknown node type "${v}"`)
      f.type = v as NodeType
    } else if (k === 'mode') f.mode = v
    else if (k === 'model') f.model = v
    else if (k === 'runtime' || k === 'capability') f.runtime = v
    else if (k === 'attested') f.attested = v === 'true'
    else if (k === 'status') f.includeInactive = v === 'all'
    else throw new ErrInvalidMessage(`unknown filter "${k}" (type, mode, model, runtime, attested, status=all)`)
  }
  return f
}

/** Nodes matching the filters, in address order (the same on every full node). */
export async function queryNodes(store: StateReader, filters: NodeFilters): Promise<{ timeMs: string; nodes: NodeView[] }> {
  const params = await getRegistryParams(store)
  const now = await nowOf(store)
  const nodes: NodeView[] = []
  for (const address of await listNodeAddresses(store)) {
    const node = await getNode(store, address)
    if (!node) continue
    const v = nodeView(address, node, params, now)
    if (!filters.includeInactive && !v.active) continue
    if (filters.type && v.type !== filters.type) continue
    if (filters.mode && !v.modes.includes(filters.mode)) continue
    if (filters.model && !v.models.includes(filters.model)) continue
    if (filters.runtime && !v.runtimes.includes(filters.runtime)) continue
    if (filters.attested !== undefined && v.attested !== filters.attested) continue
    nodes.push(v)
  }
  return { timeMs: now.toString(), nodes }
}

/** The last block's height, time and hash: a node attests over this hash and sends `nonceHeight = height`. */
export async function queryHead(store: StateReader): Promise<{ height: number; timeMs: string; hash: string } | null> {
  const head = await getHead(store)
  return head ? { height: head.height, timeMs: head.timeMs.toString(), hash: toHex(head.hash) } : null
}

export async function queryParams(store: StateReader): Promise<unknown> {
  const p = await getRegistryParams(store)
  return { ...p, maxAttestationAgeMs: p.maxAttestationAgeMs.toString(), minStake: p.minStake.toString(), unbondingPeriodMs: p.unbondingPeriodMs.toString() }
}
