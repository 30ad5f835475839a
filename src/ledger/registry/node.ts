/**
 * The node record (value under `nodeKey(address)`) and its status. Status is computed from
 * the record, the params and a block time, never stored, so a lapsed attestation needs no
 * write: a node is active until block time passes attestedAt + maxAttestationAgeMs.
 */
import { RLP } from '@ethereumjs/rlp'
import { bigintToBytes, fromHex, toHex, utf8 } from '../../core/bytes.ts'
import type { Address } from '../../core/keys.ts'
import { type RlpItem, readAddress, readBytes, readList, readSmallUint, readString, readUint } from '../tx/fields.ts'
import { NODE_TYPES, type NodeType, TEE_KINDS, type TeeKind, type MeasuredValues, nodeTypeCode } from './measurements.ts'
import type { RegistryParams } from './params.ts'

/** What a node offers; strings are free-form names (runtimes "onnx", "openai"; modes "fast", "zkml"). */
export type Capabilities = {
  runtimes: string[]
  /** Model ids or provider model names served. */
  models: string[]
  modes: string[]
  /** Price per request in base units, per item (a model id, a mode, or "*"). */
  prices: Array<{ item: string; amount: bigint }>
}

export type NodeRecord = {
  type: NodeType
  /** Compressed secp256k1 key that signs receipts and answers (33 bytes). */
  signingKey: Uint8Array
  /** HPKE public key for encrypted requests; empty when none. */
  hpkePublicKey: Uint8Array
  endpoint: string
  payout: Address
  capabilities: Capabilities
  stake: bigint
  tee: TeeKind
  /** See MeasuredValues; empty for vanilla nodes. */
  measurement: MeasuredValues
  /** Nitro: the document's timestamp; TDX: the block time it was verified at; vanilla: registration time. */
  attestedAtMs: bigint
  /** sha256 of the evidence bytes last accepted; empty for vanilla nodes. */
  evidenceHash: Uint8Array
  registeredHeight: number
  /** Set when governance removed the node's measurement; cleared by a successful reattest. */
  measurementRemoved: boolean
  /** Block time from which `withdraw` returns the stake; 0 while not deregistered. */
  unbondingEndsMs: bigint
}

export type NodeStatus = 'active' | 'lapsed' | 'measurement_removed' | 'unbonding'

export function nodeStatus(node: NodeRecord, params: RegistryParams, nowMs: bigint): NodeStatus {
  if (node.unbondingEndsMs > 0n) return 'unbonding'
  if (node.measurementRemoved) return 'measurement_removed'
  if (node.tee !== 'none' && nowMs > node.attestedAtMs + params.maxAttestationAgeMs) return 'lapsed'
  return 'active'
}

const strings = (xs: string[]) => xs.map((s) => utf8(s))

export function encodeNode(n: NodeRecord): Uint8Array {
  return RLP.encode([
    bigintToBytes(BigInt(nodeTypeCode(n.type))),
    n.signingKey,
    n.hpkePublicKey,
    utf8(n.endpoint),
    fromHex(n.payout, 20),
    strings(n.capabilities.runtimes),
    strings(n.capabilities.models),
    strings(n.capabilities.modes),
    n.capabilities.prices.map((p) => [utf8(p.item), bigintToBytes(p.amount)]),
    bigintToBytes(n.stake),
    bigintToBytes(BigInt(TEE_KINDS.indexOf(n.tee))),
    n.measurement,
    bigintToBytes(n.attestedAtMs),
    n.evidenceHash,
    bigintToBytes(BigInt(n.registeredHeight)),
    bigintToBytes(n.measurementRemoved ? 1n : 0n),
    bigintToBytes(n.unbondingEndsMs),
  ])
}

const readStrings = (item: RlpItem | undefined, field: string) => readList(item, field).map((s, i) => readString(s, `${field}[${i}]`, 1024))

export function decodeNode(raw: Uint8Array): NodeRecord {
  const f = readList(RLP.decode(raw), 'node', 17)
  const type = NODE_TYPES[readSmallUint(f[0], 'node.type') - 1]
  const tee = TEE_KINDS[readSmallUint(f[10], 'node.tee')]
  if (!type || !tee) throw new TypeError('corrupt node record')
  return {
    type,
    signingKey: readBytes(f[1], 'node.signingKey', 33),
    hpkePublicKey: readBytes(f[2], 'node.hpkePublicKey'),
    endpoint: readString(f[3], 'node.endpoint', 1024),
    payout: readAddress(f[4], 'node.payout'),
    capabilities: {
      runtimes: readStrings(f[5], 'node.runtimes'),
      models: readStrings(f[6], 'node.models'),
      modes: readStrings(f[7], 'node.modes'),
      prices: readList(f[8], 'node.prices').map((p, i) => {
        const [item, amount] = readList(p, `node.prices[${i}]`, 2)
        return { item: readString(item, 'price.item', 1024), amount: readUint(amount, 'price.amount') }
      }),
    },
    stake: readUint(f[9], 'node.stake'),
    tee,
    measurement: readList(f[11], 'node.measurement').map((m) => readBytes(m, 'node.measurement')),
    attestedAtMs: readUint(f[12], 'node.attestedAtMs'),
    evidenceHash: readBytes(f[13], 'node.evidenceHash'),
    registeredHeight: readSmallUint(f[14], 'node.registeredHeight'),
    measurementRemoved: readUint(f[15], 'node.measurementRemoved') === 1n,
    unbondingEndsMs: readUint(f[16], 'node.unbondingEndsMs'),
  }
}

/** A node as queries answer it (JSON: hex strings, decimal amounts). */
export type NodeView = {
  address: Address
  type: NodeType
  status: NodeStatus
  active: boolean
  attested: boolean
  tee: TeeKind
  measurement: string[]
  attestedAtMs: string
  /** When an attested node lapses unless it re-attests; null for vanilla nodes. */
  expiresAtMs: string | null
  signingKey: string
  hpkePublicKey: string | null
  endpoint: string
  payout: Address
  runtimes: string[]
  models: string[]
  modes: string[]
  prices: Array<{ item: string; amount: string }>
  stake: string
  registeredHeight: number
  unbondingEndsMs: string | null
}

export function nodeView(address: Address, n: NodeRecord, params: RegistryParams, nowMs: bigint): NodeView {
  const status = nodeStatus(n, params, nowMs)
  return {
    address,
    type: n.type,
    status,
    active: status === 'active',
    attested: n.tee !== 'none',
    tee: n.tee,
    measurement: n.measurement.map(toHex),
    attestedAtMs: n.attestedAtMs.toString(),
    expiresAtMs: n.tee === 'none' ? null : (n.attestedAtMs + params.maxAttestationAgeMs).toString(),
    signingKey: toHex(n.signingKey),
    hpkePublicKey: n.hpkePublicKey.length ? toHex(n.hpkePublicKey) : null,
    endpoint: n.endpoint,
    payout: n.payout,
    runtimes: n.capabilities.runtimes,
    models: n.capabilities.models,
    modes: n.capabilities.modes,
    prices: n.capabilities.prices.map((p) => ({ item: p.item, amount: p.amount.toString() })),
    stake: n.stake.toString(),
    registeredHeight: n.registeredHeight,
    unbondingEndsMs: n.unbondingEndsMs > 0n ? n.unbondingEndsMs.toString() : null,
  }
}
