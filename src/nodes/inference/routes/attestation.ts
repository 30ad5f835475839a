/** `GET /v1/attestation?nonce=0x…`: a fresh attestation document binding this node's signing key. */
import { fromHex, toHex } from '../../../core/bytes.ts'
import { routesPlugin } from '../../../core/http/fastifyPlugin.ts'
import type { JsonSchemaTypeProvider } from '../../../core/http/fromSchema.ts'
import { publicKeyOf } from '../../../core/keys.ts'
import type { AttestationSource } from '../tee/attestationSource.ts'
import { errorBody } from '../server/httpErrors.ts'
import { attestationQuerySchema, attestationSchema, errorResponses } from './schemas.ts'
import { withSlot } from './slot.ts'
import { ErrorCode } from '../../../protocol/errorCodes.ts'

/** `source`: the node's TEE; without one the route answers 404 `no_attestation`. */
export const attestationRoutes = routesPlugin(async (instance, { source }: { source?: AttestationSource }) => {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>()
  const ctx = app.nodeContext
  const signingKey = toHex(publicKeyOf(ctx.privateKey))
  app.get('/v1/attestation', {
    schema: { querystring: attestationQuerySchema, response: { 200: attestationSchema, ...errorResponses } },
  }, async (request, reply) => {
    if (!source) return reply.code(404).send(errorBody('this node runs without a TEE and has no attestation', 'invalid_request_error', ErrorCode.noAttestation))
    // Documents cost milliseconds to make, so they share the work routes' concurrency bound.
    return withSlot(ctx, reply, async () => {
      const document = await source.attest(fromHex(request.query.nonce ?? ''))
      const hpke = source.hpkePublicKey ? { hpkePublicKey: toHex(source.hpkePublicKey) } : {}
      return { kind: source.kind, document: Buffer.from(document).toString('base64'), signingKey, ...hpke, address: ctx.address, mode: ctx.mode }
    })
  })
}, { name: 'haca-attestation-routes', dependencies: ['haca-node-context'] })
