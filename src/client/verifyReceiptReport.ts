/**
 * One call that says what can be proven about an answer: a report with one line per check,
 * each `passed`, `failed` (why) or `not yet possible` (why). The checks are a list of named
 * checkers, so later ones (ZKML proofs, data answers) plug in without changing the report.
 * Ledger facts are read with `queryProven`: with a light client on the LedgerRpc they are
 * proven against headers it verified, else against headers the RPC served (said in the line).
 */
import { BaseError } from '../core/errors.ts'
import { type Hex, fromHex, toHex, utf8 } from '../core/bytes.ts'
import { sha256 } from '../core/hash.ts'
import { recoverPublicKey } from '../core/keys.ts'
import { type Receipt, type ReceiptJson, receiptDigest, receiptFromHex, receiptFromJson, verifyReceipt } from '../protocol/receipt.ts'
import { hashRequest } from '../protocol/canonicalJson.ts'
import { nodeKey, PARAMS_KEY, signingKeyIndexKey } from '../ledger/registry/keys.ts'
import { decodeNode, nodeStatus, type NodeRecord } from '../ledger/registry/node.ts'
import { decodeRegistryParams, type RegistryParams } from '../ledger/registry/params.ts'
import type { LedgerRpc } from './ledger/ledgerRpc.ts'
import { getSettlement } from './getSettlement.ts'

export type CheckVerdict = 'passed' | 'failed' | 'not yet possible'

/** One line of the report. */
export type AnswerCheck = { name: string; title: string; verdict: CheckVerdict; detail: string }

/** What every checker sees; checkers may leave facts in `facts` for later ones (e.g. the registered node). */
export type AnswerCheckContext = {
  receipt: Receipt
  /** The request body as sent (hashed as canonical JSON), when given. */
  request?: unknown
  /** The response body bytes (a string is taken as UTF-8), when given. */
  response?: string | Uint8Array
  ledger?: LedgerRpc
  nodeUrl?: string
  facts: { signerKey?: Uint8Array; node?: { address: Hex; record: NodeRecord; provenAt: number }; params?: RegistryParams }
}

/** A named check: later checks (ZKML, data answers) are more of these. */
export type AnswerChecker = { name: string; title: string; run(ctx: AnswerCheckContext): Promise<Omit<AnswerCheck, 'name' | 'title'>> }

export type VerifyReceiptReportParameters = {
  /** The receipt: an object, its JSON (object or text), or the hex of its wire form. */
  receipt: Receipt | ReceiptJson | string
  request?: unknown
  response?: string | Uint8Array
  /** The ledger; without it checks 2–4 are `not yet possible`. Give it a light client to trust no RPC. */
  ledger?: LedgerRpc
  /** The node that signed it, asked whether its settlement was refused. */
  nodeUrl?: string
  /** Checks to run instead of {@link defaultAnswerCheckers} (e.g. those plus a new one). */
  checkers?: AnswerChecker[]
}

export type VerifyReceiptReportReturnType = {
  receiptId: Hex
  /** True when no check failed (`not yet possible` is not a failure). */
  ok: boolean
  checks: AnswerCheck[]
}

export type VerifyReceiptReportErrorType = InvalidAnswerError

export class InvalidAnswerError extends BaseError {
  override name = 'InvalidAnswerError' as const
  constructor(reason: string, cause?: unknown) {
    super(`not a receipt: ${reason}`, { code: 'invalid_answer', cause })
  }
}

/** Parses what a user hands in: a receipt object, receipt JSON (object or text) or the wire form's hex. */
export function parseReceiptInput(input: Receipt | ReceiptJson | string): Receipt {
  try {
    if (typeof input === 'string') {
      const text = input.trim()
      if (text.startsWith('{')) return receiptFromJson(JSON.parse(text) as ReceiptJson)
      return receiptFromHex(text)
    }
    if (typeof input === 'object' && input !== null && typeof input.price === 'bigint') return { ...input } as Receipt
    return receiptFromJson(input as ReceiptJson)
  } catch (err) {
    throw new InvalidAnswerError(err instanceof BaseError ? err.shortMessage : err instanceof Error ? err.message : String(err), err)
  }
}

const why = (err: unknown) => (err instanceof BaseError ? err.shortMessage : err instanceof Error ? err.message : String(err))
const source = (ledger: LedgerRpc) => (ledger.lightClient ? 'light-client verified header' : 'header served by the RPC, trusted')
const NO_LEDGER = { verdict: 'not yet possible', detail: 'no ledger given (--ledger / rpc)' } as const

export const receiptCheck: AnswerChecker = {
  name: 'receipt',
  title: 'receipt signature and hashes',
  async run({ receipt, request, response }) {
    const requestHash = request === undefined ? undefined : hashRequest(request)
    const responseHash = response === undefined ? undefined : toHex(sha256(typeof response === 'string' ? utf8(response) : response))
    const r = verifyReceipt(receipt, { requestHash, responseHash })
    if (!r.ok) return { verdict: 'failed', detail: `${r.failed}: ${r.reason}` }
    const compared = [requestHash && 'request', responseHash && 'response'].filter(Boolean)
    return { verdict: 'passed', detail: `signed by ${r.signer}${compared.length ? `; ${compared.join(' and ')} hash${compared.length > 1 ? 'es' : ''} match` : '; no request or response given to compare'}` }
  },
}

/**
 * The record is proven as it stands now (the latest height), and its status evaluated at the
 * receipt's time: a node deregistered since counts as active before its unbonding began, but a
 * node that lapsed then and re-attested since looks active (the ledger keeps no history of
 * attestations; a proof at a height near the receipt's time would close that gap).
 */
export const registrationCheck: AnswerChecker = {
  name: 'registration',
  title: 'signer was an active registered node',
  async run(ctx) {
    const { receipt, ledger } = ctx
    if (!ledger) return NO_LEDGER
    let key: Uint8Array | null = null
    try {
      key = recoverPublicKey(receiptDigest(receipt), fromHex(receipt.signature, 65))
    } catch {
      key = null
    }
    if (!key) return { verdict: 'failed', detail: 'the signature recovers no key' }
    ctx.facts.signerKey = key
    try {
      const index = await ledger.queryProven(signingKeyIndexKey(key))
      if (!index.value) return { verdict: 'failed', detail: `the signing key ${toHex(key)} is not registered (absence proven at height ${index.height}, ${source(ledger)})` }
      const address = toHex(index.value)
      const proven = await ledger.queryProven(nodeKey(address))
      if (!proven.value) return { verdict: 'failed', detail: `the key index names ${address}, whose record is absent (height ${proven.height})` }
      const record = decodeNode(proven.value)
      const paramsProof = await ledger.queryProven(PARAMS_KEY)
      if (!paramsProof.value) return { verdict: 'failed', detail: 'the ledger proves no registry params' }
      const params = decodeRegistryParams(paramsProof.value)
      ctx.facts.node = { address, record, provenAt: proven.height }
      ctx.facts.params = params
      const at = BigInt(receipt.timestamp)
      let status = nodeStatus(record, params, at)
      // Deregistered since: it was active at the receipt's time if it signed before unbonding began.
      if (status === 'unbonding' && at < record.unbondingEndsMs - params.unbondingPeriodMs) status = nodeStatus({ ...record, unbondingEndsMs: 0n }, params, at)
      const where = `node ${address}, record proven at height ${proven.height} against a ${source(ledger)}`
      if (status !== 'active') return { verdict: 'failed', detail: `${where}: ${status} at the receipt's time ${new Date(receipt.timestamp).toISOString()}` }
      return { verdict: 'passed', detail: `${where}; active at ${new Date(receipt.timestamp).toISOString()}` }
    } catch (err) {
      return { verdict: 'failed', detail: `the registry proof did not check: ${why(err)}` }
    }
  },
}

export const attestationCheck: AnswerChecker = {
  name: 'attestation',
  title: 'attestation accepted by the ledger',
  async run({ ledger, facts }) {
    if (!ledger) return NO_LEDGER
    if (!facts.node) return { verdict: 'not yet possible', detail: 'no registration record proven (see the registration line)' }
    const { record, address } = facts.node
    if (record.tee === 'none') {
      const allowed = facts.params?.allowVanilla
      return allowed
        ? { verdict: 'passed', detail: `node ${address} registered without a TEE, which this ledger's params allow: no attestation to check` }
        : { verdict: 'failed', detail: `node ${address} has no attestation and this ledger does not allow unattested nodes` }
    }
    return {
      verdict: 'passed',
      detail: `${record.tee} attestation accepted: measurements ${record.measurement.map((m) => toHex(m)).join(', ')}, attested at ${new Date(Number(record.attestedAtMs)).toISOString()}, evidence sha256 ${toHex(record.evidenceHash)} (re-verification by the client: not yet possible)`,
    }
  },
}

export const settlementCheck: AnswerChecker = {
  name: 'settlement',
  title: 'settlement inclusion proof',
  async run({ receipt, ledger, nodeUrl }) {
    if (!ledger) return NO_LEDGER
    try {
      const s = await getSettlement(ledger, { receiptId: receipt.id, nodeUrl })
      if (s.status === 'pending') return { verdict: 'not yet possible', detail: 'not settled yet (pending)' }
      if (s.status === 'refused') return { verdict: 'failed', detail: `settlement refused: ${s.reason}` }
      return { verdict: 'passed', detail: `settled in batch ${s.batchRoot} (entry ${s.index}), proven at height ${s.proof.height} against app hash ${s.proof.appHash} of a ${source(ledger)}` }
    } catch (err) {
      return { verdict: 'failed', detail: why(err) }
    }
  },
}

export const zkmlCheck: AnswerChecker = {
  name: 'zkml',
  title: 'ZKML proof / data answers',
  async run({ receipt }) {
    return { verdict: 'not yet possible', detail: receipt.mode === 'zkml' ? 'ZKML proof verification is not built yet' : `a ${receipt.mode} answer carries no ZKML proof or data answers; their checks are not built yet` }
  },
}

/** Today's checks, in report order. */
export const defaultAnswerCheckers: readonly AnswerChecker[] = [receiptCheck, registrationCheck, attestationCheck, settlementCheck, zkmlCheck]

/**
 * Checks an answer's receipt and reports one line per check. Throws only when the input is not
 * a receipt at all; everything else is a line of the report.
 *
 * @example
 * const report = await verifyReceiptReport({ receipt, request: body, response: text, ledger })
 * for (const c of report.checks) console.log(`${c.verdict}  ${c.title}: ${c.detail}`)
 * if (!report.ok) process.exitCode = 1
 */
export async function verifyReceiptReport({ receipt: input, request, response, ledger, nodeUrl, checkers = [...defaultAnswerCheckers] }: VerifyReceiptReportParameters): Promise<VerifyReceiptReportReturnType> {
  const receipt = parseReceiptInput(input)
  const ctx: AnswerCheckContext = { receipt, request, response, ledger, nodeUrl, facts: {} }
  const checks: AnswerCheck[] = []
  for (const checker of checkers) {
    let line: Omit<AnswerCheck, 'name' | 'title'>
    try {
      line = await checker.run(ctx)
    } catch (err) {
      line = { verdict: 'failed', detail: why(err) }
    }
    checks.push({ name: checker.name, title: checker.title, ...line })
  }
  return { receiptId: receipt.id, ok: checks.every((c) => c.verdict !== 'failed'), checks }
}
