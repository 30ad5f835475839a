/** `haca receipt <id>`: fetches a receipt from the node that signed it and verifies the signature against the node's known address. */
import { BaseError } from '../../../core/errors.ts'
import { parseAddress } from '../../../core/keys.ts'
import { type ReceiptJson, receiptFromJson, receiptToJson, verifyReceipt } from '../../../protocol/receipt.ts'
import { ReceiptVerificationError } from '../../../client/errors.ts'
import { printResult } from '../../output.ts'
import { defaultRpc } from '../../defaults.ts'
import { LedgerRpc, QueryRefusedError, RpcError } from '../../../client/ledger/ledgerRpc.ts'
import { HttpStatusError, NetworkError } from '../../../core/http/networkError.ts'
import { getSettlement, waitForSettlement } from '../../../client/getSettlement.ts'
import { type NodeListOptions, nodesFromOptions } from './nodes.ts'

export class ReceiptNotFoundError extends BaseError {
  override name = 'ReceiptNotFoundError' as const
  constructor({ id, tried }: { id: string; tried: string[] }) {
    super(`no node has receipt ${id}`, { code: 'receipt_not_found', metaMessages: tried })
  }
}

export type ReceiptCommandOptions = NodeListOptions & { id: string; ledger?: string; wait?: boolean; json?: boolean }

type Settlement = Awaited<ReturnType<typeof getSettlement>> | { status: 'unknown'; reason: string }

/** Where the receipt stands on the ledger (settled with a verified proof, refused, pending). */
async function settlementOf(options: ReceiptCommandOptions, nodeUrl: string): Promise<Settlement> {
  let rpc: LedgerRpc
  try {
    rpc = await LedgerRpc.connect(options.ledger ?? defaultRpc())
  } catch (err) {
    return { status: 'unknown', reason: err instanceof BaseError ? err.shortMessage : String(err) }
  }
  try {
    const p = { receiptId: options.id as `0x${string}`, nodeUrl }
    return options.wait ? await waitForSettlement(rpc, p) : await getSettlement(rpc, p)
  } catch (err) {
    // No ledger to ask (or it went away): the receipt itself is still verified and printed.
    if (err instanceof RpcError || err instanceof QueryRefusedError || err instanceof NetworkError || err instanceof HttpStatusError) return { status: 'unknown', reason: err.shortMessage }
    throw err
  } finally {
    rpc.disconnect()
  }
}

function describe(s: Settlement): string {
  if (s.status === 'settled') return `  settled   at height ${s.height} in batch ${s.batchRoot} (entry ${s.index}); Merkle proof verified against app hash ${s.proof.appHash} of block ${s.proof.height + 1}`
  if (s.status === 'refused') return `  settlement refused: ${s.reason}`
  if (s.status === 'pending') return '  settlement pending (the node has not settled it yet; --wait waits)'
  return `  settlement unknown: ${s.reason}`
}

export async function receiptCommand(options: ReceiptCommandOptions): Promise<void> {
  const tried: string[] = []
  for (const node of nodesFromOptions(options)) {
    let res: Response
    try {
      res = await fetch(`${node.url.replace(/\/$/, '')}/v1/receipts/${options.id}`, { signal: AbortSignal.timeout(10_000) })
    } catch (err) {
      tried.push(`${node.url}: ${err instanceof Error ? err.message : String(err)}`)
      continue
    }
    if (res.status !== 200) {
      tried.push(`${node.url}: ${res.status}`)
      continue
    }
    const receipt = receiptFromJson((await res.json()) as ReceiptJson)
    const result = verifyReceipt(receipt, { node: parseAddress(node.address) })
    if (!result.ok) throw new ReceiptVerificationError({ node: node.url, address: node.address, check: result.failed, reason: result.reason })
    const settlement = await settlementOf(options, node.url)
    printResult(options.json, { receipt: receiptToJson(receipt), node: node.url, verified: true, settlement }, () => [
      `receipt ${receipt.id}`,
      `  node      ${receipt.node} (${node.url}); signature verified`,
      `  model     ${receipt.model} (${receipt.mode})`,
      `  request   ${receipt.requestHash}`,
      `  response  ${receipt.responseHash}`,
      `  price     ${receipt.price}`,
      `  time      ${new Date(receipt.timestamp).toISOString()}`,
      describe(settlement),
    ].join('\n'))
    return
  }
  throw new ReceiptNotFoundError({ id: options.id, tried })
}
