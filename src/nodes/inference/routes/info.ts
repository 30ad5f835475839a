/** `GET /v1/receipts/:id`, `GET /v1/models`, `GET /healthz`, `GET /metrics`. */
import type { FastifyInstance } from 'fastify'
import type { NodeContext } from '../server/nodeContext.ts'
import { receiptToJson } from '../../../protocol/receipt.ts'
import { errorBody } from '../server/httpErrors.ts'
import { errorResponses, receiptSchema } from './schemas.ts'
import { ErrorCode } from '../../../protocol/errorCodes.ts'

export async function infoRoutes(app: FastifyInstance, { ctx }: { ctx: NodeContext }): Promise<void> {
  app.get<{ Params: { id: string } }>('/v1/receipts/:id', {
    schema: {
      params: { type: 'object', properties: { id: { type: 'string', pattern: '^0x[0-9a-fA-F]{64}$' } }, required: ['id'] },
      response: { 200: receiptSchema, ...errorResponses },
    },
  }, async (request, reply) => {
    const receipt = ctx.receipts.get(request.params.id as `0x${string}`)
    if (!receipt) return reply.code(404).send(errorBody(`no receipt ${request.params.id} among this node's latest ${ctx.receipts.maxIndexed} receipts`, 'invalid_request_error', ErrorCode.receiptNotFound, 'id'))
    return receiptToJson(receipt)
  })

  app.get('/v1/models', {
    schema: {
      response: {
        200: {
          type: 'object',
          properties: {
            object: { type: 'string' },
            data: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  id: { type: 'string' }, object: { type: 'string' }, created: { type: 'integer' }, owned_by: { type: 'string' },
                  haca: { type: 'object', properties: { kind: { type: 'string' }, price: { type: 'string' }, mode: { type: 'string' } } },
                },
              },
            },
          },
        },
      },
    },
  }, async () => {
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

  const health = { type: 'object', properties: { ok: { type: 'boolean' }, node: { type: 'string' }, mode: { type: 'string' }, executionProvider: { type: 'string' }, running: { type: 'integer' }, queued: { type: 'integer' } } }
  app.get('/healthz', {
    schema: {
      response: {
        '2xx': health,
        503: health,
      },
    },
  }, async (_request, reply) => {
    // A node whose receipt log cannot write answers nothing, so it reports itself down.
    const ok = ctx.receipts.healthy
    return reply.code(ok ? 200 : 503).send({ ok, node: ctx.address, mode: ctx.mode, executionProvider: ctx.onnx.options.executionProvider, running: ctx.limiter.running, queued: ctx.limiter.queued })
  })

  app.get('/metrics', { schema: { response: { 200: { type: 'string', description: 'Prometheus text exposition format' } } } }, async (_request, reply) =>
    reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()))
}
