/**
 * The node's one error handler. Bodies are OpenAI-shaped (`{ error: { message, type, code,
 * param } }`) on every route, so the official clients surface them as APIError. 4xx answers
 * say what was wrong; 5xx answers never carry internals (those go to the log).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { BaseError } from '../../../core/errors.ts'
import { sharedPlugin } from '../../../core/http/fastifyPlugin.ts'
import { InvalidTensorError } from '../../../protocol/tensor.ts'
import { UnknownModelError } from '../models/modelSource.ts'
import { ProviderError } from '../providers/chatProvider.ts'
import { InvalidReceiptError } from '../../../protocol/receipt.ts'
import { ErrorCode } from '../../../protocol/errorCodes.ts'

export type ErrorBody = { error: { message: string; type: string; code: string; param: string | null } }

export function errorBody(message: string, type: string, code: string, param: string | null = null): ErrorBody {
  return { error: { message, type, code, param } }
}

/** A 4xx the routes throw for request mistakes the schemas cannot express. */
export class BadRequestError extends BaseError {
  override name = 'BadRequestError' as const
  readonly status: number
  readonly param: string | null
  constructor({ message, code, status = 400, param = null }: { message: string; code: string; status?: number; param?: string | null }) {
    super(message, { code })
    this.status = status
    this.param = param
  }
}

/** Status and body for any error a route can raise. */
export function describeError(err: unknown): { status: number; body: ErrorBody; internal: boolean } {
  if (err instanceof InvalidTensorError) return { status: 400, body: errorBody(err.shortMessage, 'invalid_request_error', err.code, err.input), internal: false }
  if (err instanceof UnknownModelError) return { status: 404, body: errorBody(err.shortMessage, 'invalid_request_error', ErrorCode.modelNotFound, 'model'), internal: false }
  if (err instanceof ProviderError) {
    const type = err.status === 504 ? 'timeout_error' : err.status === 400 ? 'invalid_request_error' : err.status === 429 ? 'rate_limit_error' : 'upstream_error'
    return { status: err.status, body: errorBody(err.shortMessage, type, err.code), internal: false }
  }
  if (err instanceof BadRequestError) return { status: err.status, body: errorBody(err.shortMessage, 'invalid_request_error', err.code, err.param), internal: false }
  if (err instanceof InvalidReceiptError) return { status: 400, body: errorBody(err.shortMessage, 'invalid_request_error', err.code), internal: false }
  const fe = err as FastifyError
  if (fe && fe.validation) return { status: 400, body: errorBody(fe.message, 'invalid_request_error', ErrorCode.invalidRequest), internal: false }
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: errorBody(fe.message, 'invalid_request_error', String(fe.code ?? 'bad_request').toLowerCase()), internal: false }
  }
  return { status: 500, body: errorBody('internal error', 'server_error', ErrorCode.internalError), internal: true }
}

export function errorHandler(this: unknown, err: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body, internal } = describeError(err)
  if (internal) request.log.error({ reqId: request.id, url: request.url, err }, 'request failed')
  else if (status >= 500) request.log.warn({ reqId: request.id, url: request.url, code: body.error.code, reason: body.error.message }, 'upstream failure')
  reply.code(status).send(body)
}

/** The error handler on the root instance, so every route (and every parser and hook) answers through it. */
export const errorHandlerPlugin = sharedPlugin(async (app) => {
  app.setErrorHandler(errorHandler)
}, { name: 'haca-error-handler' })
