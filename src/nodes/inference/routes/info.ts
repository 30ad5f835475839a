/** `GET /v1/receipts/:id`, `GET /v1/models`, `GET /healthz`, `GET /metrics`. */
import { routesPlugin } from '../../../core/http/fastifyPlugin.ts'
import type { JsonSchemaTypeProvider } from '../../../core/http/fromSchema.ts'
import type { Hex } from '../../../core/bytes.ts'
import { receiptToJson } from '../../../protocol/receipt.ts'
import { errorBody } from '../server/httpErrors.ts'
import { errorResponses, healthSchema, metricsTextSchema, modelListSchema, receiptIdParamsSchema, receiptSchema } from './schemas.ts'
import { ErrorCode } from '../../../protocol/errorCodes.ts'

export const infoRoutes = routesPlugin(async (instance) => {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>()
  const ctx = app.nodeContext

  app.get('/v1/receipts/:id', {
    schema: { params: receiptIdParamsSchema, response: { 200: receiptSchema, ...errorResponses } },
  }, async (request, reply) => {
    const receipt = ctx.receipts.get(request.params.id as Hex)
    if (!receipt) return reply.code(404).send(errorBody(`no receipt ${request.params.id} among this node's latest ${ctx.receipts.maxIndexed} receipts`, 'invalid_request_error', ErrorCode.receiptNotFound, 'id'))
    return receiptToJson(receipt)
  })

  app.get('/v1/models', { schema: { response: { 200: modelListSchema, ...errorResponses } } }, async () => {
    // A model registered a moment ago should be listed: the SDK routes by this list.
    await ctx.models.refresh?.().catch(() => {})
    return {
      object: 'list',
      data: [
        ...ctx.models.list().map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: ctx.address, haca: { kind: 'onnx', price: m.price.toString(), mode: ctx.mode } })),
        ...[...ctx.chat.entries()].map(([id, r]) => ({ id, object: 'model', created: 0, owned_by: r.provider.name, haca: { kind: 'chat', price: r.price.toString(), mode: ctx.mode } })),
      ],
    }
  })

  // 503 is the health body too: a node whose receipt log cannot write reports itself down.
  app.get('/healthz', { schema: { response: { ...errorResponses, '2xx': healthSchema, 503: healthSchema } } }, async (_request, reply) => {
    const ok = ctx.receipts.healthy
    return reply.code(ok ? 200 : 503).send({ ok, node: ctx.address, mode: ctx.mode, executionProvider: ctx.onnx.options.executionProvider, running: ctx.limiter.running, queued: ctx.limiter.queued })
  })

  app.get('/metrics', { schema: { response: { 200: metricsTextSchema, ...errorResponses } } }, async (_request, reply) =>
    reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()))
}, { name: 'haca-info-routes', dependencies: ['haca-node-context'] })
