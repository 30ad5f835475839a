import { readFile } from 'node:fs/promises'
import { BaseError } from '../../../core/errors.ts'
import { LedgerRpc } from '../../../client/ledger/ledgerRpc.ts'
import { FileLightStore } from '../../../client/light/fileStore.ts'
import { connectVerifiedLedger } from '../../../client/verifiedLedger.ts'
import { type VerifyReceiptReportReturnType, verifyReceiptReport } from '../../../client/verifyReceiptReport.ts'
import type { ReceiptJson } from '../../../protocol/receipt.ts'
import { printResult } from '../../output.ts'

type Options = { answer: string; node?: string; ledger: string; trustHeight?: string; trustHash?: string; trustingPeriod: string; lightStore?: string; json?: boolean }
type Answer = { receipt: ReceiptJson | string; request?: unknown; response?: string }

const RECEIPT_ID = /^0x[0-9a-fA-F]{64}$/

async function readAnswer(o: Options): Promise<Answer> {
  if (RECEIPT_ID.test(o.answer)) {
    if (!o.node) throw new BaseError('a receipt id needs --node <url>: the node that signed it serves it', { code: 'invalid_option' })
    const url = `${o.node.replace(/\/+$/, '')}/v1/receipts/${o.answer}`
    const res = await fetch(url, { signal: AbortSignal.timeout(10_000) })
    if (res.status !== 200) throw new BaseError(`${url} answered ${res.status}: the node does not serve this receipt`, { code: 'receipt_not_found' })
    return { receipt: (await res.json()) as ReceiptJson }
  }
  let text: string
  try {
    text = await readFile(o.answer, 'utf8')
  } catch (err) {
    throw new BaseError(`"${o.answer}" is neither a receipt id nor a readable file (${(err as Error).message})`, { code: 'invalid_answer' })
  }
  let parsed: Answer
  try {
    parsed = JSON.parse(text) as Answer
  } catch {
    throw new BaseError(`${o.answer} is not JSON: expected { receipt, request?, response? }`, { code: 'invalid_answer' })
  }
  if (typeof parsed !== 'object' || parsed === null || parsed.receipt === undefined) throw new BaseError(`${o.answer} has no "receipt": expected { receipt, request?, response? }`, { code: 'invalid_answer' })
  if (parsed.response !== undefined && typeof parsed.response !== 'string') throw new BaseError(`${o.answer}: "response" must be the response body as a string`, { code: 'invalid_answer' })
  return parsed
}

async function connect(o: Options): Promise<LedgerRpc> {
  if ((o.trustHeight === undefined) !== (o.trustHash === undefined)) throw new BaseError('--trust-height and --trust-hash go together', { code: 'invalid_option' })
  if (o.trustHeight === undefined) return LedgerRpc.connect(o.ledger)
  if (!/^[1-9][0-9]{0,15}$/.test(o.trustHeight)) throw new BaseError(`--trust-height "${o.trustHeight}" is not a block height`, { code: 'invalid_option' })
  if (!/^[1-9][0-9]{0,5}$/.test(o.trustingPeriod)) throw new BaseError(`--trusting-period "${o.trustingPeriod}" is not a number of hours`, { code: 'invalid_option' })
  const store = o.lightStore ? await FileLightStore.open(o.lightStore) : undefined
  return connectVerifiedLedger(o.ledger, { trustRoot: { height: Number(o.trustHeight), hash: o.trustHash! }, trustingPeriodMs: Number(o.trustingPeriod) * 3_600_000, store })
}

function human(report: VerifyReceiptReportReturnType): string {
  const lines = report.checks.map((c) => `${c.verdict.padEnd(16)} ${c.title}: ${c.detail}`)
  return [`receipt ${report.receiptId}`, ...lines, report.ok ? 'no check failed' : 'a check FAILED'].join('\n')
}

export async function verifyCommand(o: Options): Promise<void> {
  const answer = await readAnswer(o)
  const ledger = await connect(o)
  try {
    const report = await verifyReceiptReport({ receipt: answer.receipt, request: answer.request, response: answer.response, ledger, nodeUrl: o.node })
    printResult(o.json, report, () => human(report))
    if (!report.ok) process.exitCode = 1
  } finally {
    ledger.disconnect()
  }
}
