/**
 * `request.requestHash`: sha256 of the canonical JSON of the body as received, the hash a
 * receipt covers. Taken when first asked for (then kept): a route can have it computed while
 * its model runs on a worker thread, where it costs nothing on the answer's path (the
 * canonical JSON of a 3,072-value image tensor takes ~0.3 ms). Validation leaves the body as
 * it was received (no coercion, no defaults, nothing removed: server/app.ts), so the hash is
 * the same before and after it.
 */
import type { FastifyRequest } from 'fastify'
import type { Hex } from '../../../core/bytes.ts'
import { sharedPlugin } from '../../../core/http/fastifyPlugin.ts'
import { hashRequest } from '../../../protocol/canonicalJson.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** sha256 of the canonical JSON of the body as received (computed on first use; '0x' for a GET). */
    readonly requestHash: Hex
  }
}

export const requestHashPlugin = sharedPlugin(async (app) => {
  const requestHashes = new WeakMap<FastifyRequest, Hex>()
  app.decorateRequest('requestHash', {
    getter(this: FastifyRequest): Hex {
      if (this.method !== 'POST') return '0x'
      let hash = requestHashes.get(this)
      if (hash === undefined) requestHashes.set(this, (hash = hashRequest(this.body)))
      return hash
    },
  })
}, { name: 'haca-request-hash' })
