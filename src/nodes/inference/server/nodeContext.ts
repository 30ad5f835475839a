/**
 * What the routes of one inference node share: its key and mode, with the services the other
 * shared plugins open (receipt log, metrics, limiter, models, runtimes), as one object.
 */
import { type Address, addressOf } from '../../../core/keys.ts'
import { type Hex, toHex } from '../../../core/bytes.ts'
import { sharedPlugin } from '../../../core/http/fastifyPlugin.ts'
import type { ChatRoute } from '../providers/providersPlugin.ts'
import type { ModelSource } from '../models/modelSource.ts'
import type { OnnxRuntime } from '../runtimes/onnxRuntime.ts'
import type { ReceiptLog } from '../receipts/receiptLog.ts'
import type { NodeMetrics } from './metrics.ts'
import type { ConcurrencyLimiter } from './limiter.ts'
import { type Receipt, RECEIPT_VERSION, signAndEncodeReceipt } from '../../../protocol/receipt.ts'
import { type InferenceMode } from '../../../protocol/modes.ts'
import { newReceiptId } from '../../../protocol/receiptId.ts'

export type NodeContext = {
  address: Address
  privateKey: Uint8Array
  mode: InferenceMode
  receipts: ReceiptLog
  metrics: NodeMetrics
  limiter: ConcurrencyLimiter
  models: ModelSource
  onnx: OnnxRuntime
  /** Provider model name → route. */
  chat: Map<string, ChatRoute>
}

declare module 'fastify' {
  interface FastifyInstance {
    nodeContext: NodeContext
  }
}

/** The node's signing key and mode, with the shared services, for the routes and the payment gate. */
export const nodeContextPlugin = sharedPlugin(async (app, { privateKey, mode }: { privateKey: Uint8Array; mode: InferenceMode }) => {
  app.decorate('nodeContext', {
    address: addressOf(privateKey),
    privateKey,
    mode,
    receipts: app.receipts,
    metrics: app.metrics,
    limiter: app.limiter,
    models: app.models,
    onnx: app.onnx,
    chat: app.chatModels,
  } satisfies NodeContext)
}, { name: 'haca-node-context', dependencies: ['haca-receipt-log', 'haca-metrics', 'haca-limiter', 'haca-models', 'haca-onnx', 'haca-providers'] })

/** A receipt made durable, with the hex of its wire form (the `x-haca-receipt` header and the log line). */
export type IssuedReceipt = { receipt: Receipt; hex: Hex }

/**
 * Signs a receipt and waits until the receipt log has it on disk. Callers release the answer
 * only after this resolves: that is what makes "no receipt of a returned answer is lost" hold.
 */
export async function issueReceipt(
  ctx: NodeContext,
  { id, model, requestHash, responseHash, price }: { id?: Hex; model: string; requestHash: Hex; responseHash: Hex; price: bigint },
): Promise<IssuedReceipt> {
  const { receipt, wire } = signAndEncodeReceipt({
    version: RECEIPT_VERSION,
    id: id ?? newReceiptId(ctx.address, requestHash),
    node: ctx.address,
    model,
    mode: ctx.mode,
    requestHash,
    responseHash,
    price,
    timestamp: Date.now(),
  }, ctx.privateKey, { keyAddress: ctx.address })
  const hex = toHex(wire)
  await ctx.receipts.append(receipt, { hex, bytes: wire })
  ctx.metrics.receipts.inc()
  return { receipt, hex }
}

