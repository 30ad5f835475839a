/** `POST /v1/infer`: run an ONNX model on JSON tensors (values as numbers, or bytes as base64); the answer carries a signed receipt in its headers. */
import { createHash } from 'node:crypto'
import type { Hex } from '../../../core/bytes.ts'
import { routesPlugin } from '../../../core/http/fastifyPlugin.ts'
import { type JsonSchemaTypeProvider, serializeJson } from '../../../core/http/fromSchema.ts'
import { issueReceipt } from '../server/nodeContext.ts'
import { RECEIPT_HEADER, RECEIPT_ID_HEADER } from '../../../protocol/http.ts'
import { UnknownModelError } from '../models/modelSource.ts'
import { BadRequestError } from '../server/httpErrors.ts'
import type { TensorInput } from '../../../protocol/tensor.ts'
import { errorResponses, inferAnswerSchema, inferBodySchema } from './schemas.ts'
import { withSlot } from './slot.ts'
import { ErrorCode } from '../../../protocol/errorCodes.ts'

export const inferRoutes = routesPlugin(async (instance) => {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>()
  const ctx = app.nodeContext
  app.post('/v1/infer', {
    schema: { body: inferBodySchema, response: { 200: inferAnswerSchema, ...errorResponses } },
  }, async (request, reply) => withSlot(ctx, reply, async () => {
    const { model, mode, inputs } = request.body
    if (mode !== undefined && mode !== ctx.mode) throw new BadRequestError({ message: `this node answers in mode "${ctx.mode}", not "${mode}"`, code: ErrorCode.modeUnavailable, param: 'mode' })
    let info = ctx.models.list().find((m) => m.id === model)
    if (!info && ctx.models.refresh) {
      await ctx.models.refresh().catch(() => {})
      info = ctx.models.list().find((m) => m.id === model)
    }
    if (!info) throw new UnknownModelError({ model })
    // The schema's `data: array | string` is TensorInput's two members written as one.
    const running = ctx.onnx.run(model, inputs as Record<string, TensorInput>)
    // Awaited below; this only keeps an early failure from counting as unhandled meanwhile.
    running.catch(() => {})
    // The request is hashed after one immediate: by then the run has been handed to a worker
    // thread (that is queued in this turn's microtasks), so the hashing overlaps the run.
    // Without workers the run waits for it instead, which costs the same as hashing first.
    await new Promise((resolve) => setImmediate(resolve))
    const requestHash = request.requestHash
    const { outputs, seconds } = await running
    ctx.metrics.runtime.observe({ runtime: 'onnx', model }, seconds)
    // The body is serialised here, once, so the bytes hashed are the bytes sent.
    const body = serializeJson({ model, outputs })
    const responseHash = `0x${createHash('sha256').update(body).digest('hex')}` as Hex
    const { receipt, hex } = await issueReceipt(ctx, { model, requestHash, responseHash, price: info.price })
    return reply
      .header(RECEIPT_HEADER, hex)
      .header(RECEIPT_ID_HEADER, receipt.id)
      .type('application/json; charset=utf-8')
      .send(body)
  }))
}, { name: 'haca-infer-routes', dependencies: ['haca-node-context', 'haca-request-hash'] })
