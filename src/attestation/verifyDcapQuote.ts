/**
 * Verification of Intel DCAP quotes (TDX v4/v5 and SGX v3) with their collateral, through
 * `@phala/dcap-qvl` (pure JS, Intel's production root CA pinned inside it). A pure function
 * of (quote, collateral, time): collateral is fetched by the node that submits the quote, not
 * here, so full nodes agree on the verdict for a block.
 */
import { type AuthDataV4, type Collateral, type TcbStatus, Quote, constants, utils, verify as dcapVerify } from '@phala/dcap-qvl'
// dcap-qvl works on Buffers. Named 'buffer' (not 'node:buffer'): Node gives its own, and browser
// bundlers the npm package of the same API that dcap-qvl itself depends on.
import { Buffer } from 'buffer'
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
  UntrustedRootError,
} from './errors.ts'
import { certificateFingerprint } from './trustAnchors.ts'

export type { Collateral as DcapCollateral, TcbStatus } from '@phala/dcap-qvl'

export { TCB_STATUS_ORDER } from './tcbStatusOrder.ts'

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
  | UntrustedRootError
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

  if (quote.length > MAX_QUOTE_BYTES) throw new MalformedDocumentError({ reason: `quote larger than ${MAX_QUOTE_BYTES} bytes` })
  const bytes = Buffer.from(quote.buffer, quote.byteOffset, quote.byteLength)
  checkQuoteEncoding(bytes)
  let verified: ReturnType<typeof dcapVerify>
  try {
    verified = dcapVerify(bytes, collateral, Math.floor(nowMs / 1000))
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

const CERT_TYPE_PCK_CHAIN = 5
// Quotes are 4-6 kB (most of it the PCK chain); the bound keeps hostile input small.
const MAX_QUOTE_BYTES = 32 * 1024
const CERT_TYPE_QE_REPORT = 6

function canonicalPem(ders: Buffer[]): string {
  return ders
    .map((der) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`)
    .join('')
}

/**
 * dcap-qvl reads the quote leniently: bytes after the declared auth data, a damaged PEM
 * block, or the quote's copy of Intel's root (it uses its own pinned copy) are skipped, so a
 * flipped bit there would still verify. We want "these exact bytes are what Intel signed
 * for", so we demand a canonical encoding: only zero padding after the auth data, a PCK
 * chain that is exactly the standard PEM of the certificates in it (NUL-terminated), and
 * that chain ending in Intel's root itself.
 */
function checkQuoteEncoding(bytes: Buffer): void {
  let parsed: Quote
  try {
    parsed = Quote.parse(bytes)
  } catch (cause) {
    throw new MalformedDocumentError({ reason: 'not a DCAP quote', cause })
  }
  const signedLength = parsed.signedLength()
  if (bytes.length < signedLength + 4) throw new MalformedDocumentError({ reason: 'quote is truncated' })
  const end = signedLength + 4 + bytes.readUInt32LE(signedLength)
  if (end > bytes.length) throw new MalformedDocumentError({ reason: 'quote is truncated' })
  if (!bytes.subarray(end).every((b) => b === 0)) throw new MalformedDocumentError({ reason: 'non-zero bytes after the quote' })

  // The declared auth data size must be exactly what its parts add up to, and a v4/v5
  // quote's outer certification data must say it holds the QE report (type 6).
  const auth = parsed.authData
  let certification: { certType: number; body: Uint8Array }
  let expectedAuthSize: number
  if (auth.version === 3) {
    const v3 = auth.intoV3()
    certification = v3.certificationData
    expectedAuthSize = 64 + 64 + 384 + 64 + 2 + v3.qeAuthData.length + 6 + certification.body.length
  } else {
    const v4 = auth.data as AuthDataV4
    if (v4.certificationData.certType !== CERT_TYPE_QE_REPORT) throw new MalformedDocumentError({ reason: 'unexpected certification data type' })
    certification = v4.qeReportData.certificationData
    expectedAuthSize = 64 + 64 + 6 + v4.certificationData.body.length
  }
  if (end - signedLength - 4 !== expectedAuthSize) throw new MalformedDocumentError({ reason: 'auth data size does not match its contents' })

  if (certification.certType !== CERT_TYPE_PCK_CHAIN) return // dcap-qvl refuses other types itself
  const chain = Buffer.from(certification.body)
  let textEnd = chain.length
  while (textEnd > 0 && chain[textEnd - 1] === 0) textEnd--
  const ders = utils.extractCerts(chain)
  if (ders.length === 0 || canonicalPem(ders) !== chain.subarray(0, textEnd).toString('latin1')) {
    throw new MalformedDocumentError({ reason: 'PCK certificate chain is not canonical PEM' })
  }
  const root = ders[ders.length - 1]
  if (!root.equals(constants.TRUSTED_ROOT_CA_DER)) throw new UntrustedRootError({ fingerprint: certificateFingerprint(root) })
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
