/**
 * Encrypted requests on `/v1/infer`, `/v1/chat/completions` and `/v1/completions`: a body sent
 * as `content-type: application/haca-hpke` is an HPKE request (`sealRequest`, to the HPKE key
 * the node's attestation binds); the node decrypts it before the routes see it, and encrypts
 * every answer to that request (errors too) with `sealResponse`, so only the requester can read
 * it. Receipts are unchanged: they cover the plaintext request and response hashes. Streams are
 * refused on this channel (an SSE stream is not sealed chunk by chunk).
 */
import type { FastifyRequest } from 'fastify'
import { sharedPlugin } from '../../../core/http/fastifyPlugin.ts'
import { type HpkeKeyPair, HpkeError } from '../../../attestation/hpkeKeys.ts'
import { openRequest } from '../../../attestation/hpkeChannel.ts'
import { BadRequestError } from '../server/httpErrors.ts'
import { HPKE_CONTENT_TYPE } from '../../../protocol/http.ts'
import { ErrorCode } from '../../../protocol/errorCodes.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** Seals the answer to an encrypted request; null for plain requests. */
    hpkeSeal: ((body: Uint8Array) => Uint8Array) | null
  }
}

/**
 * The HPKE body parser and the answer sealing, on the node's root instance (registered before
 * the routes: hooks apply to routes added after them). Every answer to a sealed request is
 * sealed, the payment gate's 402 and the error handler's bodies included.
 */
export const encryptedRequestsPlugin = sharedPlugin(async (app, { hpke }: { hpke: HpkeKeyPair }) => {
  app.decorateRequest('hpkeSeal', null)
  app.addContentTypeParser(HPKE_CONTENT_TYPE, { parseAs: 'buffer' }, async (request: FastifyRequest, raw: Buffer) => {
    let opened
    try {
      opened = await openRequest(hpke, new Uint8Array(raw))
    } catch (err) {
      if (err instanceof HpkeError) throw new BadRequestError({ message: `encrypted request refused: ${err.shortMessage}`, code: ErrorCode.hpkeRequest })
      throw err
    }
    request.hpkeSeal = opened.sealResponse
    try {
      return JSON.parse(Buffer.from(opened.body).toString('utf8')) as unknown
    } catch {
      throw new BadRequestError({ message: 'the decrypted request body is not JSON', code: ErrorCode.invalidJson })
    }
  })
  app.addHook('preValidation', async (request) => {
    if (request.hpkeSeal && (request.body as { stream?: unknown } | null)?.stream) {
      throw new BadRequestError({ message: 'encrypted requests cannot stream: send "stream": false', code: ErrorCode.hpkeStream, param: 'stream' })
    }
  })
  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.hpkeSeal) return payload
    let plain: Uint8Array
    if (typeof payload === 'string') plain = Buffer.from(payload, 'utf8')
    else if (Buffer.isBuffer(payload)) plain = payload
    else if (payload === null || payload === undefined) plain = new Uint8Array(0)
    else throw new BadRequestError({ message: 'this answer cannot be sent encrypted', code: ErrorCode.hpkeUnsupported, status: 500 })
    reply.header('content-type', HPKE_CONTENT_TYPE)
    reply.removeHeader('content-length')
    return Buffer.from(request.hpkeSeal(plain))
  })
}, { name: 'haca-hpke-sealing', dependencies: ['haca-error-handler'] })
