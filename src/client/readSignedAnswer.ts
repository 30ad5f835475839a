/**
 * Reads a whole (non-streamed) answer and its `x-haca-receipt` header, and checks the receipt
 * against the request sent and the exact bytes received. Shared by infer and chat.
 */
import { createHash } from 'node:crypto'
import type { Hex } from '../core/bytes.ts'
import { type Receipt, receiptFromHex } from '../protocol/receipt.ts'
import { type InferenceMode } from '../protocol/modes.ts'
import { ReceiptVerificationError } from './errors.ts'
import type { NodeInfo } from './nodeDirectory.ts'
import { verifyAnswer } from './verifyAnswer.ts'
import { RECEIPT_HEADER } from '../protocol/http.ts'

export type ReadSignedAnswerParameters = {
  node: NodeInfo
  response: Response
  cancelTimeout: () => void
  requestHash: Hex
  model: string
  mode?: InferenceMode
  maxPrice?: bigint
  /** The directory's check that the receipt's key is a registered, active node's (the registry's). */
  checkSigner?: (receipt: Receipt, node: NodeInfo) => Promise<void>
}

export async function readSignedAnswer({ node, response, cancelTimeout, requestHash, model, mode, maxPrice, checkSigner }: ReadSignedAnswerParameters): Promise<{ bytes: Buffer; receipt: Receipt }> {
  let bytes: Buffer
  try {
    bytes = Buffer.from(await response.arrayBuffer())
  } finally {
    cancelTimeout()
  }
  const header = response.headers.get(RECEIPT_HEADER)
  if (!header) throw new ReceiptVerificationError({ node: node.url, address: node.address, check: 'missing', reason: `the answer carries no ${RECEIPT_HEADER} header` })
  let receipt: Receipt
  try {
    receipt = receiptFromHex(header)
  } catch (err) {
    throw new ReceiptVerificationError({ node: node.url, address: node.address, check: 'format', reason: err instanceof Error ? err.message : String(err) })
  }
  const responseHash = `0x${createHash('sha256').update(bytes).digest('hex')}` as Hex
  verifyAnswer({ node, receipt, requestHash, responseHash, model, mode, maxPrice })
  await checkSigner?.(receipt, node)
  return { bytes, receipt }
}
