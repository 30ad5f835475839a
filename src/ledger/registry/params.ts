/**
 * Registry parameters: set at genesis (`app_state.registry`), kept in state under
 * `PARAMS_KEY` so the app hash covers them; only the measurements change afterwards, by the
 * governance account's `set_measurements`.
 */
import { RLP } from '@ethereumjs/rlp'
import { type Hex, bigintToBytes, fromHex, toHex, utf8 } from '../../core/bytes.ts'
import { type Address, parseAddress } from '../../core/keys.ts'
import { AWS_NITRO_ROOT_G1_FINGERPRINT, normaliseFingerprint } from '../../attestation/trustAnchors.ts'
import { TCB_STATUS_ORDER, type TcbStatus } from '../../attestation/verifyDcapQuote.ts'
import type { StateReader, StateStore } from '../state/overlay.ts'
import { readStored } from '../state/corruptState.ts'
import { readBytes, readList, readSmallUint, readString, readUint } from '../tx/fields.ts'
import { ErrInvalidGenesis } from './errors.ts'
import { PARAMS_KEY } from './keys.ts'
import { NODE_TYPES, type NodeMeasurements, type NodeType, canonicalMeasurement, decodeMeasurements, encodeMeasurements } from './measurements.ts'

export type RegistryParams = {
  /** The only account that may change measurements; null: nobody. */
  governance: Address | null
  /** Trusted attestation root fingerprints, sorted; always holds AWS Nitro root G1. */
  trustedRoots: Hex[]
  measurements: Record<NodeType, NodeMeasurements>
  /** Oldest attestation accepted, and how long a node stays active after its attestation time. */
  maxAttestationAgeMs: bigint
  /** Lowest TDX/SGX TCB status accepted. */
  minimumTcbStatus: TcbStatus
  minStake: bigint
  /** Block-time ms between `deregister` and the stake's `withdraw`. */
  unbondingPeriodMs: bigint
  /** Whether nodes without a TEE may register (listed as unattested). */
  allowVanilla: boolean
  /** How many recent block hashes are kept as re-attestation nonces; 0 keeps none (and the registry writes nothing per block). */
  recentBlockHashes: number
}

/** `app_state.registry` as JSON. Integers are decimal strings, as in accounts. */
export type RegistryGenesis = {
  governance?: string
  /** Extra trusted roots (e.g. the network's dev root); AWS's is always trusted. */
  trustedRoots?: string[]
  measurements?: Partial<Record<NodeType, { nitro?: Array<{ pcr0: string; pcr1: string; pcr2: string }>; tdx?: Array<{ mrTd: string; rtmr0?: string; rtmr1?: string; rtmr2?: string; rtmr3?: string }> }>>
  maxAttestationAgeMs?: string
  minimumTcbStatus?: string
  minStake?: string
  unbondingPeriodMs?: string
  allowVanilla?: boolean
  recentBlockHashes?: number
}

export const REGISTRY_DEFAULTS = {
  maxAttestationAgeMs: 24n * 3_600_000n,
  minimumTcbStatus: 'UpToDate' as TcbStatus,
  minStake: 0n,
  unbondingPeriodMs: 7n * 24n * 3_600_000n,
  recentBlockHashes: 100,
}

const emptyMeasurements = (): Record<NodeType, NodeMeasurements> => ({ inference: { nitro: [], tdx: [] }, data: { nitro: [], tdx: [] } })

/** Parameters of a chain whose genesis has no registry section: nothing can register, nothing is written per block. */
export function inertRegistryParams(): RegistryParams {
  return { ...REGISTRY_DEFAULTS, governance: null, trustedRoots: [AWS_NITRO_ROOT_G1_FINGERPRINT], measurements: emptyMeasurements(), allowVanilla: false, recentBlockHashes: 0 }
}

function decimal(value: unknown, field: string, fallback: bigint): bigint {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !/^[0-9]+$/.test(value)) throw new ErrInvalidGenesis(`app_state.registry.${field} must be a decimal string`)
  return BigInt(value)
}

/** Checks and normalises `app_state.registry`; throws ErrInvalidGenesis naming the field. */
export function registryParamsFromGenesis(g: RegistryGenesis | undefined): RegistryParams {
  if (g === undefined) return inertRegistryParams()
  if (typeof g !== 'object' || g === null) throw new ErrInvalidGenesis('app_state.registry must be an object')
  let governance: Address | null = null
  if (g.governance !== undefined) {
    try {
      governance = parseAddress(g.governance)
    } catch {
      throw new ErrInvalidGenesis(`app_state.registry.governance: "${g.governance}" is not an address`)
    }
  }
  const roots = new Set<Hex>([AWS_NITRO_ROOT_G1_FINGERPRINT])
  for (const r of g.trustedRoots ?? []) {
    try {
      roots.add(toHex(fromHex(normaliseFingerprint(String(r)), 32)))
    } catch {
      throw new ErrInvalidGenesis(`app_state.registry.trustedRoots: "${r}" is not a SHA-256 fingerprint`)
    }
  }
  const measurements = emptyMeasurements()
  for (const [type, m] of Object.entries(g.measurements ?? {})) {
    if (!(NODE_TYPES as readonly string[]).includes(type)) throw new ErrInvalidGenesis(`app_state.registry.measurements: unknown node type "${type}"`)
    try {
      measurements[type as NodeType] = {
        nitro: (m?.nitro ?? []).map((n) => ({ pcr0: canonicalMeasurement(n.pcr0), pcr1: canonicalMeasurement(n.pcr1), pcr2: canonicalMeasurement(n.pcr2) })),
        tdx: (m?.tdx ?? []).map((t) => {
          const out: NodeMeasurements['tdx'][number] = { mrTd: canonicalMeasurement(t.mrTd) }
          for (const k of ['rtmr0', 'rtmr1', 'rtmr2', 'rtmr3'] as const) if (t[k] !== undefined) out[k] = canonicalMeasurement(t[k])
          return out
        }),
      }
    } catch (err) {
      throw new ErrInvalidGenesis(`app_state.registry.measurements.${type}: ${(err as Error).message}`)
    }
  }
  const minimumTcbStatus = (g.minimumTcbStatus ?? REGISTRY_DEFAULTS.minimumTcbStatus) as TcbStatus
  if (!TCB_STATUS_ORDER.includes(minimumTcbStatus)) throw new ErrInvalidGenesis(`app_state.registry.minimumTcbStatus must be one of ${TCB_STATUS_ORDER.join(', ')}`)
  const recentBlockHashes = g.recentBlockHashes ?? REGISTRY_DEFAULTS.recentBlockHashes
  if (!Number.isSafeInteger(recentBlockHashes) || recentBlockHashes < 1 || recentBlockHashes > 10_000) throw new ErrInvalidGenesis('app_state.registry.recentBlockHashes must be an integer from 1 to 10000')
  if (g.allowVanilla !== undefined && typeof g.allowVanilla !== 'boolean') throw new ErrInvalidGenesis('app_state.registry.allowVanilla must be true or false')
  const maxAttestationAgeMs = decimal(g.maxAttestationAgeMs, 'maxAttestationAgeMs', REGISTRY_DEFAULTS.maxAttestationAgeMs)
  // The verifier takes milliseconds as a number; keep the limit where that is exact.
  if (maxAttestationAgeMs === 0n || maxAttestationAgeMs > BigInt(Number.MAX_SAFE_INTEGER)) throw new ErrInvalidGenesis('app_state.registry.maxAttestationAgeMs must be positive and below 2^53')
  return {
    governance,
    trustedRoots: [...roots].sort(),
    measurements,
    maxAttestationAgeMs,
    minimumTcbStatus,
    minStake: decimal(g.minStake, 'minStake', REGISTRY_DEFAULTS.minStake),
    unbondingPeriodMs: decimal(g.unbondingPeriodMs, 'unbondingPeriodMs', REGISTRY_DEFAULTS.unbondingPeriodMs),
    allowVanilla: g.allowVanilla ?? false,
    recentBlockHashes,
  }
}

export function encodeRegistryParams(p: RegistryParams): Uint8Array {
  return RLP.encode([
    p.governance ? fromHex(p.governance, 20) : new Uint8Array(0),
    p.trustedRoots.map((r) => fromHex(r, 32)),
    NODE_TYPES.map((t) => encodeMeasurements(p.measurements[t])),
    bigintToBytes(p.maxAttestationAgeMs),
    utf8(p.minimumTcbStatus),
    bigintToBytes(p.minStake),
    bigintToBytes(p.unbondingPeriodMs),
    bigintToBytes(p.allowVanilla ? 1n : 0n),
    bigintToBytes(BigInt(p.recentBlockHashes)),
  ])
}

export function decodeRegistryParams(raw: Uint8Array): RegistryParams {
  const items = readList(RLP.decode(raw), 'registry params', 9)
  const gov = readBytes(items[0], 'governance')
  const byType = readList(items[2], 'measurements', NODE_TYPES.length)
  const measurements = emptyMeasurements()
  NODE_TYPES.forEach((t, i) => (measurements[t] = decodeMeasurements(byType[i], `measurements.${t}`)))
  return {
    governance: gov.length === 0 ? null : toHex(readBytes(gov, 'governance', 20)),
    trustedRoots: readList(items[1], 'trustedRoots').map((r) => toHex(readBytes(r, 'root', 32))),
    measurements,
    maxAttestationAgeMs: readUint(items[3], 'maxAttestationAgeMs'),
    minimumTcbStatus: readString(items[4], 'minimumTcbStatus', 64) as TcbStatus,
    minStake: readUint(items[5], 'minStake'),
    unbondingPeriodMs: readUint(items[6], 'unbondingPeriodMs'),
    allowVanilla: readUint(items[7], 'allowVanilla') === 1n,
    recentBlockHashes: readSmallUint(items[8], 'recentBlockHashes'),
  }
}

export async function getRegistryParams(store: StateReader): Promise<RegistryParams> {
  return (await readStored(store, PARAMS_KEY, decodeRegistryParams)) ?? inertRegistryParams()
}

export function setRegistryParams(store: StateStore, p: RegistryParams): void {
  store.set(PARAMS_KEY, encodeRegistryParams(p))
}
