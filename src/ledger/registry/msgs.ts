/**
 * Registry messages (types 20-29) and their stateless checks. Bodies are RLP lists:
 *
 *   register         [nodeType, evidence, signingKey, hpkePublicKey, endpoint, payout, runtimes, models, modes, prices, stake, nonceHeight, keyProof]
 *   reattest         [evidence, nonceHeight]
 *   deregister       []
 *   withdraw         []
 *   set_measurements [nodeType, [[pcr0, pcr1, pcr2]…], [[mrTd, rtmr0…rtmr3]…]]   (RTMR empty = any)
 *
 * evidence = [] (vanilla, no TEE) | [1, nitroDocument] | [2, dcapQuote, collateralJson].
 * nonceHeight = 0 for none, else the height of a recent block whose hash the evidence answers.
 * keyProof = the signing key's signature over `keyProofDigest(sender)` (65 bytes): the node key
 * agrees to be registered by this account, so nobody can register another node's attestation
 * (and collect its payments) from their own account.
 */
import { bigintToBytes, concatBytes, fromHex, utf8 } from '../../core/bytes.ts'
import { sha256 } from '../../core/hash.ts'
import type { Address } from '../../core/keys.ts'
import { secp256k1 } from '../../core/keys.ts'
import type { AttestationEvidence } from '../../attestation/verifyAttestation.ts'
import type { DcapCollateral } from '../../attestation/verifyDcapQuote.ts'
import { type RlpItem, readAddress, readBytes, readList, readSmallUint, readString, readUint } from '../tx/fields.ts'
import { ErrInvalidMessage } from './errors.ts'
import { type NodeMeasurements, type NodeType, decodeMeasurements, encodeMeasurements, nodeTypeCode, readNodeType } from './measurements.ts'
import type { Capabilities } from './node.ts'

export const MSG_REGISTER = 20
export const MSG_REATTEST = 21
export const MSG_DEREGISTER = 22
export const MSG_WITHDRAW = 23
export const MSG_SET_MEASUREMENTS = 24

const MAX_ENDPOINT_BYTES = 256
const MAX_NAME_BYTES = 128
const MAX_LIST = 64
const MAX_HPKE_KEY_BYTES = 133
const MAX_EVIDENCE_BYTES = 48 * 1024

/** Evidence as a message carries it: none (vanilla), or what `verifyAttestation` takes. */
export type RegistryEvidence = { kind: 'none' } | AttestationEvidence

export type MsgRegister = {
  nodeType: NodeType
  evidence: RegistryEvidence
  signingKey: Uint8Array
  hpkePublicKey?: Uint8Array
  endpoint: string
  payout: Address
  capabilities: Capabilities
  stake: bigint
  /** Height of the recent block whose hash is the evidence's nonce; 0 for none (Nitro only). */
  nonceHeight: number
  /** Signature by the signing key over `keyProofDigest(operator)` (r ‖ s ‖ v). */
  keyProof: Uint8Array
}

const KEY_PROOF_DOMAIN = utf8('haca/registry/key-proof/v1\n')

/** What a node's signing key signs to be registered by `operator` (the register tx's sender). */
export function keyProofDigest(operator: Address): Uint8Array {
  return sha256(concatBytes(KEY_PROOF_DOMAIN, fromHex(operator, 20)))
}

export type MsgReattest = { evidence: AttestationEvidence; nonceHeight: number }
export type MsgDeregister = Record<string, never>
export type MsgWithdraw = Record<string, never>
export type MsgSetMeasurements = { nodeType: NodeType; measurements: NodeMeasurements }

export function encodeEvidence(e: RegistryEvidence): RlpItem[] {
  if (e.kind === 'none') return []
  if (e.kind === 'nitro') return [bigintToBytes(1n), e.document]
  return [bigintToBytes(2n), e.quote, utf8(JSON.stringify(e.collateral))]
}

export function decodeEvidence(item: RlpItem | undefined, field: string): RegistryEvidence {
  const items = readList(item, field)
  if (items.length === 0) return { kind: 'none' }
  const kind = readSmallUint(items[0], `${field}.kind`)
  const size = (b: Uint8Array, what: string) => {
    if (b.length === 0 || b.length > MAX_EVIDENCE_BYTES) throw new ErrInvalidMessage(`${field}.${what} must be 1 to ${MAX_EVIDENCE_BYTES} bytes`)
    return b
  }
  if (kind === 1 && items.length === 2) return { kind: 'nitro', document: size(readBytes(items[1], `${field}.document`), 'document') }
  if (kind === 2 && items.length === 3) {
    const quote = size(readBytes(items[1], `${field}.quote`), 'quote')
    const text = readString(items[2], `${field}.collateral`, MAX_EVIDENCE_BYTES)
    let collateral: DcapCollateral
    try {
      collateral = JSON.parse(text) as DcapCollateral
    } catch {
      throw new ErrInvalidMessage(`${field}.collateral is not JSON`)
    }
    return { kind: 'dcap', quote, collateral }
  }
  throw new ErrInvalidMessage(`${field}: unknown evidence kind ${kind} (1 = nitro document, 2 = dcap quote + collateral)`)
}

function readName(item: RlpItem | undefined, field: string): string {
  const s = readString(item, field, MAX_NAME_BYTES)
  // eslint-disable-next-line no-control-regex
  if (s.length === 0 || /[\u0000-\u001f\u007f]/.test(s)) throw new ErrInvalidMessage(`${field} must be a non-empty name without control characters`)
  return s
}

function readNames(item: RlpItem | undefined, field: string): string[] {
  const list = readList(item, field)
  if (list.length > MAX_LIST) throw new ErrInvalidMessage(`${field}: at most ${MAX_LIST} entries`)
  const names = list.map((x, i) => readName(x, `${field}[${i}]`))
  if (new Set(names).size !== names.length) throw new ErrInvalidMessage(`${field}: duplicate entries`)
  return names
}

function readSigningKey(item: RlpItem | undefined, field: string): Uint8Array {
  const key = readBytes(item, field, 33)
  if (!secp256k1.publicKeyVerify(key)) throw new ErrInvalidMessage(`${field} is not a compressed secp256k1 public key`)
  return key
}

export const registerCodec = {
  type: MSG_REGISTER,
  name: 'register',
  encode(m: MsgRegister): RlpItem[] {
    return [
      bigintToBytes(BigInt(nodeTypeCode(m.nodeType))),
      encodeEvidence(m.evidence),
      m.signingKey,
      m.hpkePublicKey ?? new Uint8Array(0),
      utf8(m.endpoint),
      fromHex(m.payout, 20),
      m.capabilities.runtimes.map(utf8),
      m.capabilities.models.map(utf8),
      m.capabilities.modes.map(utf8),
      m.capabilities.prices.map((p) => [utf8(p.item), bigintToBytes(p.amount)]),
      bigintToBytes(m.stake),
      bigintToBytes(BigInt(m.nonceHeight)),
      m.keyProof,
    ]
  },
  /** Stateless checks: shapes, key validity, endpoint form, names and list sizes. */
  decode(body: RlpItem[]): MsgRegister {
    const f = readList(body, 'register', 13)
    const hpke = readBytes(f[3], 'register.hpkePublicKey')
    if (hpke.length > MAX_HPKE_KEY_BYTES) throw new ErrInvalidMessage(`register.hpkePublicKey is over ${MAX_HPKE_KEY_BYTES} bytes`)
    const endpoint = readString(f[4], 'register.endpoint', MAX_ENDPOINT_BYTES)
    if (!/^https?:\/\/[^\s/?#]+(\/[^\s]*)?$/.test(endpoint)) throw new ErrInvalidMessage(`register.endpoint "${endpoint}" is not an http(s) URL`)
    const priceList = readList(f[9], 'register.prices')
    if (priceList.length > MAX_LIST) throw new ErrInvalidMessage(`register.prices: at most ${MAX_LIST} entries`)
    const prices = priceList.map((p, i) => {
      const [item, amount] = readList(p, `register.prices[${i}]`, 2)
      return { item: readName(item, `register.prices[${i}].item`), amount: readUint(amount, `register.prices[${i}].amount`) }
    })
    if (new Set(prices.map((p) => p.item)).size !== prices.length) throw new ErrInvalidMessage('register.prices: duplicate items')
    const msg: MsgRegister = {
      nodeType: readNodeType(f[0], 'register.nodeType'),
      evidence: decodeEvidence(f[1], 'register.evidence'),
      signingKey: readSigningKey(f[2], 'register.signingKey'),
      endpoint,
      payout: readAddress(f[5], 'register.payout'),
      capabilities: { runtimes: readNames(f[6], 'register.runtimes'), models: readNames(f[7], 'register.models'), modes: readNames(f[8], 'register.modes'), prices },
      stake: readUint(f[10], 'register.stake'),
      nonceHeight: readSmallUint(f[11], 'register.nonceHeight'),
      keyProof: readBytes(f[12], 'register.keyProof', 65),
    }
    if (hpke.length > 0) msg.hpkePublicKey = hpke
    if (msg.evidence.kind === 'none' && (hpke.length > 0 || msg.nonceHeight !== 0)) {
      throw new ErrInvalidMessage('register: a vanilla node (no evidence) has no attested HPKE key and no nonce')
    }
    return msg
  },
}

export const reattestCodec = {
  type: MSG_REATTEST,
  name: 'reattest',
  encode(m: MsgReattest): RlpItem[] {
    return [encodeEvidence(m.evidence), bigintToBytes(BigInt(m.nonceHeight))]
  },
  decode(body: RlpItem[]): MsgReattest {
    const f = readList(body, 'reattest', 2)
    const evidence = decodeEvidence(f[0], 'reattest.evidence')
    if (evidence.kind === 'none') throw new ErrInvalidMessage('reattest: evidence is required')
    const nonceHeight = readSmallUint(f[1], 'reattest.nonceHeight')
    if (nonceHeight === 0) throw new ErrInvalidMessage('reattest: nonceHeight is required (the evidence must answer a recent block hash)')
    return { evidence, nonceHeight }
  },
}

function emptyCodec(type: number, name: string) {
  return {
    type,
    name,
    encode(_m: Record<string, never>): RlpItem[] {
      return []
    },
    decode(body: RlpItem[]): Record<string, never> {
      readList(body, name, 0)
      return {}
    },
  }
}

export const deregisterCodec = emptyCodec(MSG_DEREGISTER, 'deregister')
export const withdrawCodec = emptyCodec(MSG_WITHDRAW, 'withdraw')

export const setMeasurementsCodec = {
  type: MSG_SET_MEASUREMENTS,
  name: 'set_measurements',
  encode(m: MsgSetMeasurements): RlpItem[] {
    return [bigintToBytes(BigInt(nodeTypeCode(m.nodeType))), ...encodeMeasurements(m.measurements)]
  },
  decode(body: RlpItem[]): MsgSetMeasurements {
    const f = readList(body, 'set_measurements', 3)
    return { nodeType: readNodeType(f[0], 'set_measurements.nodeType'), measurements: decodeMeasurements([f[1]!, f[2]!], 'set_measurements') }
  },
}
