/**
 * The embedded Walrus-compatible store: the publisher route (`PUT /v1/blobs`) and the
 * aggregator routes (`GET`/`HEAD /v1/blobs/:blobId`) over `DiskBlobs`, plus `GET /status`
 * and `GET /v1/api`. Status codes, headers and JSON follow Walrus, so the Walrus client
 * (and any other Walrus client) cannot tell it from a Walrus publisher + aggregator.
 */
import { timingSafeEqual } from 'node:crypto'
import { Transform, type Readable } from 'node:stream'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import { DiskBlobs } from './diskBlobs.ts'
import { serveBlob } from './serveBlob.ts'
import { alreadyCertifiedJson, errorSchema, newlyCreatedJson, sendError } from './walrusJson.ts'
import { openApiDocument } from './openapi.ts'
import { BlobIdWorker } from '../../storage/blobIdWorker.ts'
import { isBlobId, maxBlobSizeForShards, WALRUS_MAINNET_SHARDS } from '../../storage/blobId.ts'
import { BlobTooLargeError } from '../../storage/errors.ts'

export const STORAGE_SERVICE_VERSION = '0.1.0'
/** Default largest blob in one PUT: big enough for the 256 MiB bench blob, small enough that a blob ID fits in memory. */
export const DEFAULT_MAX_BLOB_SIZE = 512 * 1024 * 1024
/** Walrus mainnet's limit on epochs ahead. */
const MAX_EPOCHS_AHEAD = 53

export type StorageServerParameters = {
  dir: string
  shards?: number
  maxBlobSize?: number
  /** When set, `PUT /v1/blobs` needs `Authorization: Bearer <token>`, as an authenticated Walrus publisher does. */
  authToken?: string
  /** A pino logger; none (silent) unless given. */
  logger?: FastifyBaseLogger
}

export type StorageServer = {
  app: FastifyInstance
  blobs: DiskBlobs
  /** Closes the HTTP server and the blob ID worker. */
  close(): Promise<void>
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '')
  if (!m) return false
  const a = Buffer.from(m[1])
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * Passes the body on until it is over the size limit, then fails the upload (so nothing is
 * stored) while the request itself keeps being read and dropped, so that the client, still
 * sending, gets the 413 instead of a reset connection. Past `dropLimit` the socket is cut.
 */
function limitBody(body: Readable, maxSize: number): Readable {
  let seen = 0
  const dropLimit = maxSize * 2 + 64 * 1024 * 1024
  const limiter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length
      if (seen <= maxSize) return done(null, chunk)
      body.unpipe(limiter)
      body.on('data', (more: Buffer) => {
        seen += more.length
        if (seen > dropLimit) body.destroy()
      })
      body.resume()
      done(new BlobTooLargeError({ maxSize }))
    },
  })
  return body.pipe(limiter)
}

/**
 * Builds the store (not yet listening): `await server.app.listen({ port: 0, host: '127.0.0.1' })`.
 *
 * @example
 * const server = await createStorageServer({ dir: '/tmp/blobs', shards: 10 })
 * await server.app.listen({ host: '127.0.0.1', port: 0 })
 */
export async function createStorageServer({
  dir,
  shards = WALRUS_MAINNET_SHARDS,
  maxBlobSize: configuredMax = DEFAULT_MAX_BLOB_SIZE,
  authToken,
  logger,
}: StorageServerParameters): Promise<StorageServer> {
  // Walrus cannot encode blobs past a size set by the shard count; neither can this store.
  const maxBlobSize = Math.min(configuredMax, maxBlobSizeForShards(shards))
  const blobIds = new BlobIdWorker({ shards })
  const blobs = new DiskBlobs({ dir, blobIds, maxBlobSize })
  await blobs.open()
  const app = Fastify({ ...(logger ? { loggerInstance: logger } : { logger: false }), bodyLimit: 1024 * 1024 })

  app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500
    if (status === 500) request.log.error({ err }, 'storage request failed')
    return sendError(reply, status, status === 500 ? 'internal error' : err.message)
  })
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, `no route ${request.method} ${request.url.split('?')[0]}`))

  await app.register(async (publisher) => {
    // Blob bodies are streamed to disk by the handler, never buffered by a parser.
    publisher.removeAllContentTypeParsers()
    publisher.addContentTypeParser('*', (_request, _payload, done) => done(null))

    publisher.put<{ Querystring: { epochs: number; deletable?: boolean; permanent?: boolean } }>('/v1/blobs', {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            epochs: { type: 'integer', minimum: 1, maximum: MAX_EPOCHS_AHEAD, default: 1 },
            deletable: { type: 'boolean' },
            permanent: { type: 'boolean' },
          },
        },
        response: { 200: { type: 'object', additionalProperties: true }, '4xx': errorSchema },
      },
    }, async (request, reply) => {
      if (authToken !== undefined && !bearerMatches(request.headers.authorization, authToken)) {
        return sendError(reply, 401, 'this publisher needs a bearer token', { 'www-authenticate': 'Bearer' })
      }
      const { epochs, deletable, permanent } = request.query
      if (deletable && permanent) return sendError(reply, 400, 'a blob cannot be both deletable and permanent')
      const declared = Number(request.headers['content-length'] ?? Number.NaN)
      const tooLarge = (size?: number) =>
        sendError(reply, 413, new BlobTooLargeError({ size, maxSize: maxBlobSize }).shortMessage, { connection: 'close' })
      if (declared > maxBlobSize) return tooLarge(declared)
      const body = limitBody(request.raw, maxBlobSize)
      const outcome = await blobs.put(body, { epochs, deletable: permanent ? false : deletable ?? true }).catch((err: unknown) => {
        if (err instanceof BlobTooLargeError) return undefined
        throw err
      })
      if (!outcome) return tooLarge()
      request.log.info({ blobId: outcome.meta.blobId, size: outcome.meta.size, kind: outcome.kind }, 'blob stored')
      return outcome.kind === 'newlyCreated'
        ? newlyCreatedJson(outcome.meta, { shards, epochsAhead: epochs })
        : alreadyCertifiedJson(outcome.meta)
    })
  })

  const blobParams = (name: string) => ({ type: 'object', properties: { [name]: { type: 'string' } }, required: [name] }) as const
  app.route<{ Params: { blobId: string } }>({
    method: ['GET', 'HEAD'],
    url: '/v1/blobs/:blobId',
    // One handler for both, so HEAD answers without reading the blob.
    exposeHeadRoute: false,
    schema: { params: blobParams('blobId'), response: { '4xx': errorSchema } },
    handler: async (request, reply) => {
      const { blobId } = request.params
      if (!isBlobId(blobId)) return sendError(reply, 400, `invalid blob ID ${JSON.stringify(blobId.slice(0, 60))}`)
      return serveBlob(blobs, blobId, request, reply)
    },
  })

  // Walrus aggregators also serve a blob by the ID of its Sui Blob object.
  app.route<{ Params: { objectId: string } }>({
    method: ['GET', 'HEAD'],
    url: '/v1/blobs/by-object-id/:objectId',
    exposeHeadRoute: false,
    schema: { params: blobParams('objectId'), response: { '4xx': errorSchema } },
    handler: async (request, reply) => {
      const { objectId } = request.params
      if (!/^0x[0-9a-fA-F]{1,64}$/.test(objectId)) return sendError(reply, 400, `invalid object ID ${JSON.stringify(objectId.slice(0, 80))}`)
      const blobId = blobs.blobIdOfObject(objectId)
      if (!blobId) return sendError(reply, 404, `no blob object ${objectId}`)
      return serveBlob(blobs, blobId, request, reply)
    },
  })

  app.get('/status', {
    schema: {
      response: {
        200: {
          type: 'object',
          properties: {
            service: { type: 'string' },
            version: { type: 'string' },
            shards: { type: 'integer' },
            maxBlobSize: { type: 'integer' },
            epoch: { type: 'integer' },
            blobs: { type: 'integer' },
            bytes: { type: 'integer' },
          },
          required: ['service', 'version', 'shards', 'maxBlobSize', 'epoch', 'blobs', 'bytes'],
        },
      },
    },
  }, async () => ({
    service: 'haca-storage',
    version: STORAGE_SERVICE_VERSION,
    shards,
    maxBlobSize,
    epoch: blobs.currentEpoch,
    ...(await blobs.usage()),
  }))

  const api = openApiDocument({ version: STORAGE_SERVICE_VERSION, maxBlobSize, shards })
  app.get('/v1/api', async () => api)

  return {
    app,
    blobs,
    async close() {
      await app.close()
      await blobs.blobIdsClose()
    },
  }
}

export type RunningStorageServer = StorageServer & { url: string }

/**
 * Creates the store and starts listening (127.0.0.1 and a free port unless given): what
 * `haca dev`, tests and benches use to get a store in one call.
 *
 * @example
 * const store = await startStorageServer({ dir: '/tmp/blobs', shards: 10 })
 * const client = new WalrusClient({ publisherUrl: store.url, aggregatorUrl: store.url, shards: 10 })
 * await store.close()
 */
export async function startStorageServer(
  params: StorageServerParameters & { host?: string; port?: number },
): Promise<RunningStorageServer> {
  const server = await createStorageServer(params)
  try {
    const url = await server.app.listen({ host: params.host ?? '127.0.0.1', port: params.port ?? 0 })
    return { ...server, url }
  } catch (err) {
    await server.close()
    throw err
  }
}
