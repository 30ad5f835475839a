/**
 * `POST /v1/chat/completions` and `POST /v1/completions`, OpenAI-compatible so the official
 * client works against a node by changing only its baseURL. A plain answer carries its receipt
 * in headers; a stream carries the receipt id in a header and the signed receipt in a final
 * `event: haca.receipt` after `data: [DONE]` (where OpenAI clients have already stopped reading).
 * Legacy completions are served through the provider's chat API (prompt → one user message).
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { createHash } from 'node:crypto'
import type { Hex } from '../../../core/bytes.ts'
import { routesPlugin } from '../../../core/http/fastifyPlugin.ts'
import { type FromSchema, type JsonSchemaTypeProvider, serializeJson } from '../../../core/http/fromSchema.ts'
import { type NodeContext, issueReceipt } from '../server/nodeContext.ts'
import type { ChatRoute } from '../providers/providersPlugin.ts'
import { RECEIPT_EVENT, RECEIPT_HEADER, RECEIPT_ID_HEADER } from '../../../protocol/http.ts'
import { receiptToJson } from '../../../protocol/receipt.ts'
import { newReceiptId } from '../../../protocol/receiptId.ts'
import { UnknownModelError } from '../models/modelSource.ts'
import { BadRequestError, describeError } from '../server/httpErrors.ts'
import type { ChatChunk, ChatRequest, ChatResponse, ChatStreamRequest } from '../../../protocol/chat.ts'
import { HashedEventStream } from './sse.ts'
import { chatBodySchema, completionBodySchema, errorResponses, openaiAnswerSchema } from './schemas.ts'
import { withSlot } from './slot.ts'
import { ErrorCode } from '../../../protocol/errorCodes.ts'

type Shape = 'chat' | 'completion'
type CompletionBody = FromSchema<typeof completionBodySchema>

function routeFor(ctx: NodeContext, model: string): ChatRoute {
  const route = ctx.chat.get(model)
  if (!route) throw new UnknownModelError({ model })
  return route
}

/** A legacy completion request as a chat request. */
function completionToChat(body: CompletionBody): ChatRequest {
  const { prompt, model, stream: _stream, stream_options: _so, echo: _echo, best_of: _bo, logprobs: _lp, suffix: _suffix, ...rest } = body
  return { ...(rest as Partial<ChatRequest>), model, messages: [{ role: 'user', content: Array.isArray(prompt) ? prompt[0] : prompt }] }
}

function chatToCompletion(res: ChatResponse): unknown {
  return {
    id: res.id,
    object: 'text_completion',
    created: res.created,
    model: res.model,
    choices: res.choices.map((c) => ({ index: c.index, text: c.message.content ?? '', finish_reason: c.finish_reason === 'tool_calls' ? 'stop' : c.finish_reason, logprobs: null })),
    usage: res.usage,
  }
}

function chunkToCompletion(chunk: ChatChunk): unknown {
  return {
    id: chunk.id,
    object: 'text_completion',
    created: chunk.created,
    model: chunk.model,
    choices: chunk.choices.map((c) => ({ index: c.index, text: c.delta?.content ?? '', finish_reason: c.finish_reason, logprobs: null })),
  }
}

/**
 * Aborts when the client goes away before its answer is complete: the provider call stops
 * too, rather than running (and being paid upstream) for an answer no one will read.
 */
function abortOnClientClose(ctx: NodeContext, request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const abort = new AbortController()
  const gone = () => {
    abort.abort(clientClosed())
    // No onResponse comes for an answer that was never finished; counted here, once.
    ctx.metrics.errors.inc({ route: request.routeOptions.url ?? '', code: ErrorCode.clientClosedRequest })
  }
  // It may have left while the request waited for a slot: then nothing is sent upstream at all.
  if (reply.raw.destroyed && !reply.raw.writableFinished) gone()
  else reply.raw.once('close', () => { if (!reply.raw.writableFinished) gone() })
  return abort.signal
}

/** The client left: counted as such (499, nginx's "client closed request"), not as an upstream failure. */
const clientClosed = () => new BadRequestError({ message: 'the client closed the connection before its answer was complete', code: ErrorCode.clientClosedRequest, status: 499 })

/** The provider's failure, unless the client's leaving caused it (the provider then saw an abort). */
const whyFailed = (err: unknown, signal: AbortSignal): unknown => (signal.aborted ? signal.reason : err)

async function answer(ctx: NodeContext, request: FastifyRequest, reply: FastifyReply, shape: Shape, chatRequest: ChatRequest): Promise<FastifyReply> {
  const model = chatRequest.model
  const route = routeFor(ctx, model)
  const started = process.hrtime.bigint()
  const signal = abortOnClientClose(ctx, request, reply)
  const res = await route.provider.chat({ ...chatRequest, stream: false }, signal).catch((err: unknown) => { throw whyFailed(err, signal) })
  ctx.metrics.runtime.observe({ runtime: route.provider.name, model }, Number(process.hrtime.bigint() - started) / 1e9)
  const body = serializeJson(shape === 'chat' ? res : chatToCompletion(res))
  const responseHash = `0x${createHash('sha256').update(body).digest('hex')}` as Hex
  const { receipt, hex } = await issueReceipt(ctx, { model, requestHash: request.requestHash, responseHash, price: route.price })
  return reply.header(RECEIPT_HEADER, hex).header(RECEIPT_ID_HEADER, receipt.id).type('application/json; charset=utf-8').send(body)
}

async function stream(ctx: NodeContext, request: FastifyRequest, reply: FastifyReply, shape: Shape, chatRequest: ChatStreamRequest): Promise<FastifyReply> {
  const model = chatRequest.model
  const route = routeFor(ctx, model)
  const started = process.hrtime.bigint()
  const signal = abortOnClientClose(ctx, request, reply)
  const chunks = route.provider.chatStream(chatRequest, signal)[Symbol.asyncIterator]()
  const nextChunk = () => chunks.next().catch((err: unknown) => { throw whyFailed(err, signal) })
  // The first chunk is awaited before any byte is sent, so an upstream that fails at once
  // (bad key, timeout, refused connection) still gets a proper 4xx/5xx status.
  let next = await nextChunk()
  const id = newReceiptId(ctx.address, request.requestHash)
  reply.hijack()
  const out = new HashedEventStream(reply.raw, { [RECEIPT_ID_HEADER]: id })
  try {
    while (!next.done) {
      out.data(shape === 'chat' ? next.value : chunkToCompletion(next.value))
      next = await nextChunk()
    }
    ctx.metrics.runtime.observe({ runtime: route.provider.name, model }, Number(process.hrtime.bigint() - started) / 1e9)
    const { receipt } = await issueReceipt(ctx, { id, model, requestHash: request.requestHash, responseHash: out.digestWithDone(), price: route.price })
    out.endWith(RECEIPT_EVENT, receiptToJson(receipt))
  } catch (err) {
    const { body, internal } = describeError(err)
    // The client's leaving is counted where it is seen (abortOnClientClose) and is no failure.
    const clientLeft = body.error.code === ErrorCode.clientClosedRequest
    if (internal) request.log.error({ reqId: request.id, url: request.url, err }, 'stream failed')
    else if (!clientLeft) request.log.warn({ reqId: request.id, url: request.url, code: body.error.code, reason: body.error.message }, 'stream failed upstream')
    // The status line (200) is already sent; the node's onResponse hook counts the request,
    // so a failure mid-stream is recorded here by its code (a client's leaving, where it is seen).
    if (!clientLeft) ctx.metrics.errors.inc({ route: request.routeOptions.url ?? '', code: body.error.code })
    out.fail(body)
  }
  return reply
}

export const openaiCompatRoutes = routesPlugin(async (instance) => {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>()
  const ctx = app.nodeContext
  const response = { 200: openaiAnswerSchema, ...errorResponses }
  // The schemas check what the node reads (model, messages, stream); the rest of OpenAI's
  // request passes through to the provider, which checks it, so the body is forwarded as the
  // provider's type.
  app.post('/v1/chat/completions', { schema: { body: chatBodySchema, response } }, async (request, reply) =>
    withSlot(ctx, reply, () => (request.body.stream
      ? stream(ctx, request, reply, 'chat', request.body as ChatStreamRequest)
      : answer(ctx, request, reply, 'chat', request.body as ChatRequest))))

  app.post('/v1/completions', { schema: { body: completionBodySchema, response } }, async (request, reply) =>
    withSlot(ctx, reply, () => {
      const chat = completionToChat(request.body)
      return request.body.stream
        ? stream(ctx, request, reply, 'completion', { ...chat, stream: true } as ChatStreamRequest)
        : answer(ctx, request, reply, 'completion', chat)
    }))
}, { name: 'haca-openai-routes', dependencies: ['haca-node-context', 'haca-request-hash'] })
