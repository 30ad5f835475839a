/**
 * The network's policy over a verified attestation: which kinds and measurements a node type
 * may run, the lowest TCB status accepted, how old a document may be, whether it is bound to
 * the node's keys, and whether it answers the expected nonce. Pure: the ledger passes the
 * block time as `now` and the policy from its state.
 */
import { type Hex, equalBytes } from '../core/bytes.ts'
import { sha256 } from '../core/hash.ts'
import {
  AttestationExpiredError,
  AttestationFromFutureError,
  AttestationKindNotAllowedError,
  DebugEnclaveError,
  KeyNotBoundError,
  MeasurementNotAllowedError,
  NonceMismatchError,
  TcbStatusTooLowError,
} from './errors.ts'
import { attestationBindingDigest } from './keyBinding.ts'
import type { SgxAttestation, TcbStatus, TdxAttestation } from './verifyDcapQuote.ts'
import { TCB_STATUS_ORDER } from './tcbStatusOrder.ts'
import { type NitroAttestation } from './verifyNitroDocument.ts'

/** What `verifyNitroDocument` or `verifyDcapQuote` returns. */
export type VerifiedAttestation = NitroAttestation | TdxAttestation | SgxAttestation

/** Nitro enclave image measurements (hex, 48 bytes each): image, kernel+boot, application. */
export type NitroMeasurement = { pcr0: string; pcr1: string; pcr2: string }
/** TDX measurements (hex, 48 bytes each). An RTMR left out matches any value (RTMR3 is usually runtime-extended). */
export type TdxMeasurement = { mrTd: string; rtmr0?: string; rtmr1?: string; rtmr2?: string; rtmr3?: string }
/** SGX enclave identity; an omitted field matches any value, but at least one must be given. */
export type SgxMeasurement = { mrEnclave?: string; mrSigner?: string }

/** Policy for one node type; a kind without a list is not allowed at all. */
export type AttestationPolicy = {
  nitro?: readonly NitroMeasurement[]
  tdx?: readonly TdxMeasurement[]
  sgx?: readonly SgxMeasurement[]
  /** Lowest TCB status accepted for TDX/SGX (see TCB_STATUS_ORDER). Default 'UpToDate'. */
  minimumTcbStatus?: TcbStatus
  /** Oldest accepted document, in ms before `now` (Nitro documents carry a timestamp). */
  maxAgeMs: number
  /** How far a document's timestamp may be after `now` (clocks differ). Default 60 s. */
  maxClockSkewMs?: number
}

export type CheckAttestationPolicyParameters = {
  policy: AttestationPolicy
  /** Date or Unix milliseconds; the ledger passes the block time. */
  now: Date | number
  /** The node's signing key as registered (compressed secp256k1, 33 bytes). */
  signingKey: Uint8Array
  /** The node's HPKE public key, when it registers one. */
  hpkePublicKey?: Uint8Array
  /**
   * The nonce the document must answer (e.g. a recent block hash). Required for TDX/SGX,
   * whose quotes carry no time: the nonce is their only proof of freshness.
   */
  expectedNonce?: Uint8Array
}

const DEFAULT_CLOCK_SKEW_MS = 60_000

function sameHex(a: string, b: string): boolean {
  return a.toLowerCase().replace(/^0x/, '') === b.toLowerCase().replace(/^0x/, '')
}

function isAllZero(hex: Hex | undefined): boolean {
  return hex === undefined || /^0x0*$/.test(hex)
}

/**
 * Checks a verified attestation against a node type's policy; throws the error of the first
 * check that fails (its `code` names the check), in this order: kind, debug, measurement,
 * TCB status, age, nonce, key binding.
 *
 * @example
 * checkAttestationPolicy(attestation, {
 *   policy: { nitro: [{ pcr0, pcr1, pcr2 }], maxAgeMs: 3_600_000 },
 *   now: blockTimeMs,
 *   signingKey,
 *   expectedNonce: blockHash,
 * })
 */
export function checkAttestationPolicy(attestation: VerifiedAttestation, params: CheckAttestationPolicyParameters): void {
  const { policy } = params
  const nowMs = typeof params.now === 'number' ? params.now : params.now.getTime()
  if (!Number.isFinite(nowMs)) throw new TypeError('checkAttestationPolicy: now is not a valid time')

  switch (attestation.kind) {
    case 'nitro': {
      if (!policy.nitro) throw new AttestationKindNotAllowedError({ kind: 'nitro' })
      const [pcr0, pcr1, pcr2] = [0, 1, 2].map((i) => attestation.pcrs.get(i))
      // A Nitro enclave started in debug mode reports PCR0-2 as zeros.
      if (isAllZero(pcr0)) throw new DebugEnclaveError({ reason: 'PCR0 is all zeros' })
      const allowed = policy.nitro.some(
        (m) => pcr0 && pcr1 && pcr2 && sameHex(m.pcr0, pcr0) && sameHex(m.pcr1, pcr1) && sameHex(m.pcr2, pcr2),
      )
      if (!allowed) throw new MeasurementNotAllowedError({ measurement: `PCR0 ${pcr0}` })
      checkAge(attestation.timestamp, nowMs, policy)
      if (params.expectedNonce && !(attestation.nonce && equalBytes(attestation.nonce, params.expectedNonce))) {
        throw new NonceMismatchError()
      }
      checkNitroBinding(attestation, params)
      return
    }
    case 'tdx': {
      if (!policy.tdx) throw new AttestationKindNotAllowedError({ kind: 'tdx' })
      const [r0, r1, r2, r3] = attestation.rtmrs
      const allowed = policy.tdx.some(
        (m) =>
          sameHex(m.mrTd, attestation.mrTd) &&
          (m.rtmr0 === undefined || sameHex(m.rtmr0, r0)) &&
          (m.rtmr1 === undefined || sameHex(m.rtmr1, r1)) &&
          (m.rtmr2 === undefined || sameHex(m.rtmr2, r2)) &&
          (m.rtmr3 === undefined || sameHex(m.rtmr3, r3)),
      )
      if (!allowed) throw new MeasurementNotAllowedError({ measurement: `MRTD ${attestation.mrTd}` })
      checkTcb(attestation.tcbStatus, policy)
      checkDcapNonceAndBinding(attestation.reportData, params)
      return
    }
    case 'sgx': {
      if (!policy.sgx) throw new AttestationKindNotAllowedError({ kind: 'sgx' })
      const allowed = policy.sgx.some(
        (m) =>
          (m.mrEnclave !== undefined || m.mrSigner !== undefined) &&
          (m.mrEnclave === undefined || sameHex(m.mrEnclave, attestation.mrEnclave)) &&
          (m.mrSigner === undefined || sameHex(m.mrSigner, attestation.mrSigner)),
      )
      if (!allowed) throw new MeasurementNotAllowedError({ measurement: `MRENCLAVE ${attestation.mrEnclave}` })
      checkTcb(attestation.tcbStatus, policy)
      checkDcapNonceAndBinding(attestation.reportData, params)
      return
    }
  }
}

function checkAge(timestamp: number, nowMs: number, policy: AttestationPolicy): void {
  const ageMs = nowMs - timestamp
  if (ageMs > policy.maxAgeMs) throw new AttestationExpiredError({ ageMs, maxAgeMs: policy.maxAgeMs })
  if (-ageMs > (policy.maxClockSkewMs ?? DEFAULT_CLOCK_SKEW_MS)) throw new AttestationFromFutureError({ aheadMs: -ageMs })
}

function checkTcb(status: TcbStatus, policy: AttestationPolicy): void {
  const minimum = policy.minimumTcbStatus ?? 'UpToDate'
  if (TCB_STATUS_ORDER.indexOf(status) > TCB_STATUS_ORDER.indexOf(minimum)) throw new TcbStatusTooLowError({ status, minimum })
}

function checkNitroBinding(attestation: NitroAttestation, params: CheckAttestationPolicyParameters): void {
  const { signingKey, hpkePublicKey } = params
  const digest = attestationBindingDigest({ signingKey, hpkePublicKey })
  if (attestation.userData && equalBytes(attestation.userData, digest)) return
  if (hpkePublicKey) throw new KeyNotBoundError({ reason: 'user_data is not the binding digest of the signing and HPKE keys' })
  if (attestation.publicKey && equalBytes(attestation.publicKey, signingKey)) return
  throw new KeyNotBoundError({ reason: 'public_key is not the signing key and user_data is not its binding digest' })
}

function checkDcapNonceAndBinding(reportData: Uint8Array, params: CheckAttestationPolicyParameters): void {
  if (!params.expectedNonce) throw new NonceMismatchError({ reason: 'a quote carries no time, so an expected nonce is required' })
  if (!equalBytes(reportData.subarray(32, 64), sha256(params.expectedNonce))) {
    throw new NonceMismatchError({ reason: 'report_data[32..64] is not sha256(expected nonce)' })
  }
  const digest = attestationBindingDigest({ signingKey: params.signingKey, hpkePublicKey: params.hpkePublicKey })
  if (!equalBytes(reportData.subarray(0, 32), digest)) {
    throw new KeyNotBoundError({ reason: 'report_data does not start with the binding digest of the node keys' })
  }
}
