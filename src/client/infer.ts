/** `infer(client, { model, inputs, mode })`: runs an ONNX model on the best node and verifies its receipt. */
import { hashRequest } from '../protocol/canonicalJson.ts'
import type { Receipt } from '../protocol/receipt.ts'
import type { InferenceMode } from '../protocol/modes.ts'
import type { TensorInput, TensorJson } from '../protocol/tensor.ts'
import { callNodes, postJson } from './callNodes.ts'
import type { NodeInfo } from './nodeDirectory.ts'
import { readSignedAnswer } from './readSignedAnswer.ts'
import { paymentHeaders } from './payments/paymentHeaders.ts'
import type { HacaClientContext } from './clientContext.ts'

export type InferParameters = {
  model: string
  /** Values as JSON, or (quicker for the node, a fraction of the bytes) `base64Tensor({ type, dims, data: typedArray })`. */
  inputs: Record<string, TensorInput>
  /** Only nodes answering in this mode; any mode when omitted. */
  mode?: InferenceMode
  /** Refuse nodes (and receipts) priced above this. */
  maxPrice?: bigint
  /** Encrypt the request to the node's attested HPKE key (only registered nodes with one are used); the answer comes back encrypted. */
  encrypted?: boolean
}

export type InferReturnType = {
  model: string
  outputs: Record<string, TensorJson>
  /** The node's signed receipt, already verified. */
  receipt: Receipt
  node: NodeInfo
}

export type InferErrorType = import('./errors.ts').ReceiptVerificationError | import('./errors.ts').AllNodesFailedError | import('./errors.ts').NoNodeAvailableError | import('./errors.ts').NodeRequestError

/**
 * @example
 * const { outputs, receipt } = await infer(client, { model: 'mlp', inputs: { input: { dims: [1, 4], type: 'float32', data: [1, 2, 3, 4] } } })
 */
export async function infer(client: HacaClientContext, { model, inputs, mode, maxPrice, encrypted }: InferParameters): Promise<InferReturnType> {
  const request = mode === undefined ? { model, inputs } : { model, inputs, mode }
  const body = JSON.stringify(request)
  const requestHash = hashRequest(request)
  const checkSigner = client.directory.checkReceiptSigner?.bind(client.directory)
  return callNodes(client, { model, mode, maxPrice, kind: 'onnx', encrypted }, async ({ node, model: offer }) => {
    const pay = await paymentHeaders(client.payments, node, offer.price, requestHash)
    const { response, cancelTimeout } = await postJson(`${node.url}/v1/infer`, body, client.timeoutMs, encrypted ? node.hpkePublicKey : undefined, pay)
    const { bytes, receipt } = await readSignedAnswer({ node, response, cancelTimeout, requestHash, model, mode, maxPrice, checkSigner })
    const parsed = JSON.parse(bytes.toString('utf8')) as { model: string; outputs: Record<string, TensorJson> }
    return { model: parsed.model, outputs: parsed.outputs, receipt, node }
  })
}
