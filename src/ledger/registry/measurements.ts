/**
 * Measurements governance allows, per node type and TEE kind (Nitro PCR0-2; TDX MRTD and
 * RTMRs, an RTMR left out matching any value), their RLP form, and the match used both at
 * verification (through the attestation policy) and when governance removes one.
 */
import { type Hex, equalBytes, fromHex, toHex } from '../../core/bytes.ts'
import type { NitroMeasurement, TdxMeasurement } from '../../attestation/checkAttestationPolicy.ts'
import { type RlpItem, readBytes, readList } from '../tx/fields.ts'
import { ErrMalformedTx } from '../tx/errors.ts'

export const NODE_TYPES = ['inference', 'data'] as const
export type NodeType = (typeof NODE_TYPES)[number]

/** What a node type may run. */
export type NodeMeasurements = { nitro: NitroMeasurement[]; tdx: TdxMeasurement[] }

/** TEE kinds a registered node may have; `none` is a vanilla (stake-only) node. */
export const TEE_KINDS = ['none', 'nitro', 'tdx', 'sgx'] as const
export type TeeKind = (typeof TEE_KINDS)[number]

const MEASUREMENT_BYTES = 48
const MAX_MEASUREMENTS = 64

/** Lower-case 0x hex of exactly 48 bytes; throws InvalidHexError otherwise. */
export function canonicalMeasurement(hex: string): Hex {
  return toHex(fromHex(hex, MEASUREMENT_BYTES))
}

export function nodeTypeCode(t: NodeType): number {
  return NODE_TYPES.indexOf(t) + 1
}

export function readNodeType(item: RlpItem | undefined, field: string): NodeType {
  const b = readBytes(item, field)
  const t = b.length === 1 ? NODE_TYPES[b[0]! - 1] : undefined
  if (!t) throw new ErrMalformedTx(`${field}: unknown node type (1 = inference, 2 = data)`)
  return t
}

export function encodeMeasurements(m: NodeMeasurements): RlpItem[] {
  const opt = (h: string | undefined) => (h === undefined ? new Uint8Array(0) : fromHex(h, MEASUREMENT_BYTES))
  return [
    m.nitro.map((n) => [fromHex(n.pcr0, MEASUREMENT_BYTES), fromHex(n.pcr1, MEASUREMENT_BYTES), fromHex(n.pcr2, MEASUREMENT_BYTES)]),
    m.tdx.map((t) => [fromHex(t.mrTd, MEASUREMENT_BYTES), opt(t.rtmr0), opt(t.rtmr1), opt(t.rtmr2), opt(t.rtmr3)]),
  ]
}

export function decodeMeasurements(item: RlpItem | undefined, field: string): NodeMeasurements {
  const [nitroItems, tdxItems] = readList(item, field, 2)
  const nitroList = readList(nitroItems, `${field}.nitro`)
  const tdxList = readList(tdxItems, `${field}.tdx`)
  if (nitroList.length + tdxList.length > MAX_MEASUREMENTS) throw new ErrMalformedTx(`${field}: more than ${MAX_MEASUREMENTS} measurements`)
  const full = (i: RlpItem | undefined, f: string) => toHex(readBytes(i, f, MEASUREMENT_BYTES))
  const opt = (i: RlpItem | undefined, f: string) => {
    const b = readBytes(i, f)
    if (b.length === 0) return undefined
    if (b.length !== MEASUREMENT_BYTES) throw new ErrMalformedTx(`${f}: expected ${MEASUREMENT_BYTES} bytes or none`)
    return toHex(b)
  }
  return {
    nitro: nitroList.map((n, i) => {
      const [a, b, c] = readList(n, `${field}.nitro[${i}]`, 3)
      return { pcr0: full(a, 'pcr0'), pcr1: full(b, 'pcr1'), pcr2: full(c, 'pcr2') }
    }),
    tdx: tdxList.map((t, i) => {
      const [mr, r0, r1, r2, r3] = readList(t, `${field}.tdx[${i}]`, 5)
      const m: TdxMeasurement = { mrTd: full(mr, 'mrTd') }
      for (const [k, v] of [['rtmr0', r0], ['rtmr1', r1], ['rtmr2', r2], ['rtmr3', r3]] as const) {
        const h = opt(v, k)
        if (h !== undefined) m[k] = h
      }
      return m
    }),
  }
}

/**
 * What a node was measured as, in the form kept in its record: Nitro [PCR0, PCR1, PCR2],
 * TDX [MRTD, RTMR0..3], SGX [MRENCLAVE, MRSIGNER]; raw bytes.
 */
export type MeasuredValues = Uint8Array[]

/** Whether a node's recorded measurement is still in the allowed list for its kind. */
export function measurementAllowed(kind: TeeKind, measured: MeasuredValues, allowed: NodeMeasurements): boolean {
  const eq = (hex: string, b: Uint8Array | undefined) => b !== undefined && equalBytes(fromHex(hex), b)
  if (kind === 'nitro') return allowed.nitro.some((m) => eq(m.pcr0, measured[0]) && eq(m.pcr1, measured[1]) && eq(m.pcr2, measured[2]))
  if (kind === 'tdx') {
    return allowed.tdx.some(
      (m) =>
        eq(m.mrTd, measured[0]) &&
        (m.rtmr0 === undefined || eq(m.rtmr0, measured[1])) &&
        (m.rtmr1 === undefined || eq(m.rtmr1, measured[2])) &&
        (m.rtmr2 === undefined || eq(m.rtmr2, measured[3])) &&
        (m.rtmr3 === undefined || eq(m.rtmr3, measured[4])),
    )
  }
  // SGX is not in the registry's policy (no list), so no SGX node can be active.
  return kind === 'none'
}
