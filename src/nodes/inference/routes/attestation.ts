/** `GET /v1/attestation?nonce=0x…`: a fresh attestation document binding this node's signing key. */
import type { FastifyInstance } from 'fastify'
import { fromHex, toHex } from '../../../core/bytes.ts'
import { publicKeyOf } from '../../../core/keys.ts'
import type { NodeContext } from '../server/nodeContext.ts'
import type { AttestationSource } from '../tee/attestationSource.ts'
import { errorBody } from '../server/httpErrors.ts'
import { errorResponses } from './schemas.ts'
import { withSlot } from './slot.ts'
import { ErrorCode } from '../../../protocol/errorCodes.ts'

export async function attestationRoutes(app: FastifyInstance, { ctx, source }: { ctx: NodeContext; source?: AttestationSource }): Promise<void> {
  const signingKey = toHex(publicKeyOf(ctx.privateKey))
  app.get<{ Querystring: { nonce?: string } }>('/v1/attestation', {
    schema: {
      querystring: { type: 'object', properties: { nonce: { type: 'string', pattern: '^(0x)?([0-9a-fA-F]{2}){0,64}$' } } },
      response: {
        200: {
          type: 'object',
          properties: { kind: { type: 'string' }, document: { type: 'string' }, signingKey: { type: 'string' }, hpkePublicKey: { type: 'string' }, address: { type: 'string' }, mode: { type: 'string' } },
          required: ['kind', 'document', 'signingKey', 'address'],
        },
        ...errorResponses,
      },
    },
  }, async (request, reply) => {
    if (!source) return reply.code(404).send(errorBody('this node runs without a TEE and has no attestation', 'invalid_request_error', ErrorCode.noAttestation))
    // Documents cost milliseconds to make, so they share the work routes' concurrency bound.
    return withSlot(ctx, reply, async () => {
      const document = await source.attest(fromHex(request.query.nonce ?? ''))
      const hpke = source.hpkePublicKey ? { hpkePublicKey: toHex(source.hpkePublicKey) } : {}
      return { kind: source.kind, document: Buffer.from(document).toString('base64'), signingKey, ...hpke, address: ctx.address, mode: ctx.mode }
    })
  })
}
