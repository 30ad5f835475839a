/** Checks a node's receipt against what the SDK sent and received; throws a ReceiptVerificationError naming the node. */
import type { Hex } from '../core/bytes.ts'
import { type Receipt, verifyReceipt } from '../protocol/receipt.ts'
import { type InferenceMode } from '../protocol/modes.ts'
import { ReceiptVerificationError } from './errors.ts'
import type { NodeInfo } from './nodeDirectory.ts'

export type VerifyAnswerParameters = {
  node: NodeInfo
  receipt: Receipt
  requestHash: Hex
  responseHash: Hex
  model: string
  mode?: InferenceMode
  maxPrice?: bigint
}

export function verifyAnswer({ node, receipt, requestHash, responseHash, model, mode, maxPrice }: VerifyAnswerParameters): Receipt {
  const result = verifyReceipt(receipt, { node: node.address, requestHash, responseHash, model, mode, maxPrice })
  if (!result.ok) throw new ReceiptVerificationError({ node: node.url, address: node.address, check: result.failed, reason: result.reason })
  return receipt
}
