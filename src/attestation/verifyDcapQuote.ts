/**
 * Verification of Intel DCAP quotes (TDX v4/v5 and SGX v3) with their collateral, through
 * `@phala/dcap-qvl` (pure JS, Intel's production root CA pinned inside it). A pure function
 * of (quote, collateral, time): collateral is fetched by the node that submits the quote, not
 * here, so full nodes agree on the verdict for a block.
 */
import { type Collateral, type TcbStatus, verify as dcapVerify } from '@phala/dcap-qvl'
import { type Hex, toHex } from '../core/bytes.ts'
import {
  type AttestationError,
  BadSignatureError,
  CollateralExpiredError,
  DebugEnclaveError,
  MalformedDocumentError,
  QuoteInvalidError,
  TcbOutOfDateError,
  TcbRevokedError,
} from './errors.ts'

export type { Collateral as DcapCollateral, TcbStatus } from '@phala/dcap-qvl'

/** TCB statuses from best to worst; a policy's minimum is a position in this list. */
export const TCB_STATUS_ORDER: readonly TcbStatus[] = [
  'UpToDate',
  'SWHardeningNeeded',
  'ConfigurationNeeded',
  'ConfigurationAndSWHardeningNeeded',
  'OutOfDate',
  'OutOfDateConfigurationNeeded',
  'Revoked',
  'Unknown',
]

export type VerifyDcapQuoteParameters = {
  /** Verification time: a Date or Unix milliseconds. The ledger passes the block time. */
  now: Date | number
}

/** A verified TDX quote. Measurements are hex; report data is raw (64 bytes). */
export type TdxAttestation = {
  kind: 'tdx'
  quoteVersion: number
  tcbStatus: TcbStatus
  advisoryIds: string[]
  mrTd: Hex
  rtmrs: readonly [Hex, Hex, Hex, Hex]
  mrSeam: Hex
  mrConfigId: Hex
  mrOwner: Hex
  mrOwnerConfig: Hex
  tdAttributes: Hex
  reportData: Uint8Array
}

/** A verified SGX quote. */
export type SgxAttestation = {
  kind: 'sgx'
  quoteVersion: number
  tcbStatus: TcbStatus
  advisoryIds: string[]
  mrEnclave: Hex
  mrSigner: Hex
  isvProdId: number
  isvSvn: number
  reportData: Uint8Array
}

export type VerifyDcapQuoteReturnType = TdxAttestation | SgxAttestation

export type VerifyDcapQuoteErrorType =
  | MalformedDocumentError
  | BadSignatureError
  | CollateralExpiredError
  | TcbOutOfDateError
  | TcbRevokedError
  | DebugEnclaveError
  | QuoteInvalidError

/**
 * Verifies a DCAP quote against its collateral at `now`: PCK chain to Intel's root and CRLs,
 * TCB info and QE identity signatures and validity windows, QE report, quote signature, TCB
 * level. Quotes whose platform TCB is below every level Intel lists fail with
 * `tcb_out_of_date`; a Revoked status fails with `tcb_revoked`; other statuses are returned
 * for `checkAttestationPolicy` to judge against its minimum.
 *
 * @example
 * const collateral = JSON.parse(collateralJson)
 * const att = verifyDcapQuote(quoteBytes, collateral, { now: blockTimeMs })
 * if (att.kind === 'tdx') console.log(att.mrTd, att.tcbStatus)
 */
export function verifyDcapQuote(
  quote: Uint8Array,
  collateral: Collateral,
  { now }: VerifyDcapQuoteParameters,
): VerifyDcapQuoteReturnType {
  const nowMs = typeof now === 'number' ? now : now.getTime()
  if (!Number.isFinite(nowMs)) throw new TypeError('verifyDcapQuote: now is not a valid time')
  if (!collateral || typeof collateral !== 'object') throw new MalformedDocumentError({ reason: 'collateral is not an object' })

  let verified: ReturnType<typeof dcapVerify>
  try {
    verified = dcapVerify(Buffer.from(quote.buffer, quote.byteOffset, quote.byteLength), collateral, Math.floor(nowMs / 1000))
  } catch (cause) {
    throw classifyDcapError(cause)
  }

  const { report } = verified
  const sgx = report.asSgx()
  if (sgx) {
    return {
      kind: 'sgx',
      quoteVersion: 3,
      tcbStatus: verified.status,
      advisoryIds: [...verified.advisory_ids],
      mrEnclave: toHex(sgx.mrEnclave),
      mrSigner: toHex(sgx.mrSigner),
      isvProdId: sgx.isvProdId,
      isvSvn: sgx.isvSvn,
      reportData: new Uint8Array(sgx.reportData),
    }
  }
  const td = report.asTd10() ?? report.asTd15()?.base
  if (!td) throw new MalformedDocumentError({ reason: `unexpected report type ${report.type}` })
  return {
    kind: 'tdx',
    quoteVersion: report.type === 'td15' ? 5 : 4,
    tcbStatus: verified.status,
    advisoryIds: [...verified.advisory_ids],
    mrTd: toHex(td.mrTd),
    rtmrs: [toHex(td.rtMr0), toHex(td.rtMr1), toHex(td.rtMr2), toHex(td.rtMr3)],
    mrSeam: toHex(td.mrSeam),
    mrConfigId: toHex(td.mrConfigId),
    mrOwner: toHex(td.mrOwner),
    mrOwnerConfig: toHex(td.mrOwnerConfig),
    tdAttributes: toHex(td.tdAttributes),
    reportData: new Uint8Array(td.reportData),
  }
}

/** dcap-qvl throws plain Errors; map their messages to our codes (unknown ones stay `quote_invalid`). */
function classifyDcapError(cause: unknown): AttestationError {
  const message = cause instanceof Error ? cause.message : String(cause)
  if (/expired|in the future|not yet valid/i.test(message)) return new CollateralExpiredError({ reason: message })
  if (/revoked/i.test(message)) return new TcbRevokedError()
  if (/No matching TCB level|below minimum/i.test(message)) {
    return new TcbOutOfDateError({ reason: `${message} (the platform is older than every TCB level in the collateral)` })
  }
  if (/Debug mode/i.test(message)) return new DebugEnclaveError({ reason: message })
  if (/signature|hash mismatch/i.test(message)) return new BadSignatureError({ what: `DCAP quote (${message})` })
  if (/decode|Unsupported|Not enough data|Invalid TEE type|too short/i.test(message)) {
    return new MalformedDocumentError({ reason: message, cause })
  }
  return new QuoteInvalidError({ reason: message, cause })
}
