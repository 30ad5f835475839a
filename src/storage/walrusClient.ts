/**
 * A Walrus client over the publisher and aggregator HTTP API: `PUT /v1/blobs?epochs=N` to
 * store, `GET /v1/blobs/{blobId}` (with `Range`) to read, `HEAD` to check. It talks to Walrus
 * and to haca's embedded store alike. Transient failures (network errors, 429, 5xx including
 * 504, and a 404 for a blob this client has just stored, which Walrus aggregators can answer
 * while a new blob propagates) are retried with exponential backoff; the rest become typed
 * errors at once. Every read is verified before it is returned.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { open, rename, rm, stat } from 'node:fs/promises'
import http from 'node:http'
import https from 'node:https'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { BaseError } from '../core/errors.ts'
import { assertBlobId, WALRUS_MAINNET_SHARDS } from './blobId.ts'
import { BlobIdWorker } from './blobIdWorker.ts'
import type { BlobStore, BlobVerification, PutBlobOptions, PutBlobResult, ReadProgress } from './blobStore.ts'
import {
  BlobIntegrityError,
  BlobNotFoundError,
  BlobStoreRequestError,
  BlobStoreUnavailableError,
  BlobTooLargeError,
} from './errors.ts'
import { httpRequest, readBody } from './http.ts'
import { sinkToFileHashed } from './fileSink.ts'

export type WalrusClientParameters = {
  /** Publisher base URL, e.g. `https://publisher.walrus-testnet.walrus.space` or the embedded store's. */
  publisherUrl: string
  /** Aggregator base URL; the embedded store serves both roles at one URL. */
  aggregatorUrl: string
  /** Bearer token for an authenticated publisher (sent on PUT only). */
  token?: string
  /** Shard count used when a read is verified by recomputing its blob ID; 1000 (mainnet) unless given. */
  shards?: number
  /** Attempts per request for transient failures; 4 unless given. */
  attempts?: number
  /** First backoff delay, doubled per attempt (with jitter, capped at 10 s); 250 ms unless given. */
  retryDelayMs?: number
  /** Idle socket timeout; 60 s unless given. */
  timeoutMs?: number
  /** For how long after storing a blob a 404 for it is retried; 30 s unless given. */
  notFoundGraceMs?: number
}

/** Downloads from this size on are hashed and written on a worker thread. */
const LARGE_DOWNLOAD = 8 * 1024 * 1024

const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504])

/** Thrown inside an attempt to ask for another one. */
class RetryableFailure extends Error {
  constructor(message: string, readonly retryAfterMs?: number, readonly final?: BaseError) {
    super(message)
  }
}

function normalizeSha256(hex: string): string {
  return hex.toLowerCase().replace(/^0x/, '')
}

function parseRetryAfter(header: string | undefined): number | undefined {
  if (!header) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}

function errorMessageOf(body: Buffer): string {
  const text = body.toString('utf8').slice(0, 500)
  try {
    const json = JSON.parse(text) as { error?: { message?: string } | string; message?: string }
    if (typeof json.error === 'string') return json.error
    return json.error?.message ?? json.message ?? text
  } catch {
    return text.trim() || 'no message'
  }
}

/** Parses a publisher's answer to `PUT /v1/blobs` (camelCase `newlyCreated` / `alreadyCertified`). */
export function parseStoreResponse(json: unknown): PutBlobResult {
  const j = json as {
    newlyCreated?: { blobObject?: { blobId?: string; id?: string; storage?: { endEpoch?: number } } }
    alreadyCertified?: { blobId?: string; endEpoch?: number; object?: string }
  }
  if (j?.newlyCreated?.blobObject?.blobId) {
    const o = j.newlyCreated.blobObject
    return { blobId: o.blobId!, status: 'newlyCreated', endEpoch: o.storage?.endEpoch ?? 0, objectId: o.id }
  }
  if (j?.alreadyCertified?.blobId) {
    const a = j.alreadyCertified
    return { blobId: a.blobId!, status: 'alreadyCertified', endEpoch: a.endEpoch ?? 0, objectId: a.object }
  }
  throw new BaseError('the publisher answered with neither newlyCreated nor alreadyCertified', {
    code: 'blob_store_bad_response',
    details: JSON.stringify(json).slice(0, 300),
  })
}

/**
 * A `BlobStore` over Walrus HTTP (or the embedded store).
 *
 * @example
 * const store = new WalrusClient({ publisherUrl: 'http://127.0.0.1:31415', aggregatorUrl: 'http://127.0.0.1:31415' })
 * const { blobId } = await store.put(new TextEncoder().encode('hello'))
 * const bytes = await store.get(blobId, { verify: { blobId: true } })
 */
export class WalrusClient implements BlobStore {
  readonly publisherUrl: string
  readonly aggregatorUrl: string
  readonly shards: number
  private readonly token?: string
  private readonly attempts: number
  private readonly retryDelayMs: number
  private readonly timeoutMs: number
  private readonly notFoundGraceMs: number
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) }
  private readonly recentlyStored = new Map<string, number>()
  private blobIdWorker: BlobIdWorker | undefined

  constructor(params: WalrusClientParameters) {
    this.publisherUrl = params.publisherUrl.replace(/\/+$/, '')
    this.aggregatorUrl = params.aggregatorUrl.replace(/\/+$/, '')
    this.token = params.token
    this.shards = params.shards ?? WALRUS_MAINNET_SHARDS
    this.attempts = Math.max(1, params.attempts ?? 4)
    this.retryDelayMs = params.retryDelayMs ?? 250
    this.timeoutMs = params.timeoutMs ?? 60_000
    this.notFoundGraceMs = params.notFoundGraceMs ?? 30_000
  }

  private async withRetries<T>(url: string, attempt: (n: number) => Promise<T>): Promise<T> {
    let last: unknown
    for (let n = 1; n <= this.attempts; n++) {
      try {
        return await attempt(n)
      } catch (err) {
        // Typed errors (404, 413, integrity, ...) are answers, not transient failures.
        if (err instanceof BaseError) throw err
        last = err
        if (n === this.attempts) break
        const backoff = Math.min(10_000, this.retryDelayMs * 2 ** (n - 1)) * (0.75 + Math.random() * 0.5)
        const wait = err instanceof RetryableFailure && err.retryAfterMs !== undefined ? Math.min(30_000, err.retryAfterMs) : backoff
        await new Promise((r) => setTimeout(r, wait))
      }
    }
    if (last instanceof RetryableFailure && last.final) throw last.final
    throw new BlobStoreUnavailableError({ url, attempts: this.attempts, cause: last })
  }

  private justStored(blobId: string): boolean {
    const at = this.recentlyStored.get(blobId)
    return at !== undefined && Date.now() - at < this.notFoundGraceMs
  }

  private remember(blobId: string): void {
    const now = Date.now()
    this.recentlyStored.set(blobId, now)
    if (this.recentlyStored.size > 10_000) {
      for (const [id, at] of this.recentlyStored) if (now - at >= this.notFoundGraceMs) this.recentlyStored.delete(id)
    }
  }

  /** Turns a non-2xx answer into a typed error or a request for another attempt. */
  private async failure(res: http.IncomingMessage, url: string, blobId?: string): Promise<never> {
    const status = res.statusCode ?? 0
    const message = errorMessageOf(await readBody(res, 64 * 1024).catch(() => Buffer.alloc(0)))
    if (RETRY_STATUSES.has(status)) {
      throw new RetryableFailure(`${status}: ${message}`, parseRetryAfter(res.headers['retry-after'] as string | undefined))
    }
    if (status === 404 && blobId !== undefined) {
      const notFound = new BlobNotFoundError({ blobId, url })
      if (this.justStored(blobId)) throw new RetryableFailure('404 just after upload', undefined, notFound)
      throw notFound
    }
    if (status === 413) throw new BlobTooLargeError({ url, serverMessage: message })
    throw new BlobStoreRequestError({ status, url, message })
  }

  private async store(body: Uint8Array | { path: string; size: number }, { epochs = 1, deletable }: PutBlobOptions): Promise<PutBlobResult> {
    const url = new URL(`${this.publisherUrl}/v1/blobs`)
    url.searchParams.set('epochs', String(epochs))
    if (deletable !== undefined) url.searchParams.set(deletable ? 'deletable' : 'permanent', 'true')
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' }
    if (this.token) headers.authorization = `Bearer ${this.token}`
    const result = await this.withRetries(url.toString(), async () => {
      const res = await httpRequest({
        method: 'PUT',
        url,
        headers,
        body: body instanceof Uint8Array ? body : () => createReadStream(body.path, { highWaterMark: 1024 * 1024 }),
        contentLength: body instanceof Uint8Array ? body.length : body.size,
        timeoutMs: this.timeoutMs,
        agents: this.agents,
      })
      if (res.statusCode !== 200) return this.failure(res, url.toString())
      return parseStoreResponse(JSON.parse((await readBody(res, 1024 * 1024)).toString('utf8')))
    })
    assertBlobId(result.blobId)
    this.remember(result.blobId)
    return result
  }

  put(data: Uint8Array, options: PutBlobOptions = {}): Promise<PutBlobResult> {
    return this.store(data, options)
  }

  async putFile(path: string, options: PutBlobOptions = {}): Promise<PutBlobResult> {
    const { size } = await stat(path)
    return this.store({ path, size }, options)
  }

  private blobUrl(blobId: string): URL {
    assertBlobId(blobId)
    return new URL(`${this.aggregatorUrl}/v1/blobs/${blobId}`)
  }

  private async open(blobId: string, method: 'GET' | 'HEAD', range?: { start: number; end: number }): Promise<http.IncomingMessage> {
    const url = this.blobUrl(blobId)
    const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end}` } : {}
    const res = await httpRequest({ method, url, headers, timeoutMs: this.timeoutMs, agents: this.agents })
    const expected = range ? 206 : 200
    if (res.statusCode !== expected) {
      if (range && res.statusCode === 200) {
        res.destroy()
        throw new BlobStoreRequestError({ status: 200, url: url.toString(), message: 'the aggregator ignored the Range header' })
      }
      return this.failure(res, url.toString(), blobId)
    }
    return res
  }

  async get(blobId: string, { verify }: { verify: BlobVerification }): Promise<Uint8Array> {
    const url = this.blobUrl(blobId).toString()
    const bytes = await this.withRetries(url, async () => new Uint8Array(await readBody(await this.open(blobId, 'GET'))))
    await this.verifyBytes(blobId, bytes, verify)
    return bytes
  }

  async getRange(blobId: string, { start, end, verify }: { start: number; end: number; verify: { sha256: string } }): Promise<Uint8Array> {
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end >= start)) {
      throw new RangeError(`bad byte range ${start}-${end}`)
    }
    const url = this.blobUrl(blobId).toString()
    const bytes = await this.withRetries(url, async () => new Uint8Array(await readBody(await this.open(blobId, 'GET', { start, end }))))
    if (bytes.length !== end - start + 1) {
      throw new BlobIntegrityError({ blobId, what: `length of bytes ${start}-${end}`, expected: String(end - start + 1), actual: String(bytes.length) })
    }
    await this.verifyBytes(blobId, bytes, verify)
    return bytes
  }

  async getToFile(
    blobId: string,
    dest: string,
    { verify, onProgress }: { verify: { sha256: string; size?: number }; onProgress?: ReadProgress },
  ): Promise<{ size: number }> {
    const url = this.blobUrl(blobId).toString()
    const expected = normalizeSha256(verify.sha256)
    const tmp = `${dest}.partial-${randomBytes(6).toString('hex')}`
    try {
      const size = await this.withRetries(url, async () => {
        const res = await this.open(blobId, 'GET')
        const total = res.headers['content-length'] === undefined ? undefined : Number(res.headers['content-length'])
        if (verify.size !== undefined && total !== undefined && total !== verify.size) {
          res.destroy()
          throw new BlobIntegrityError({ blobId, what: 'size', expected: String(verify.size), actual: String(total) })
        }
        let actual: string
        let done: number
        if (total !== undefined && total >= LARGE_DOWNLOAD) {
          // Large: hash and write on a worker thread, overlapped with receiving.
          ;({ sha256: actual, size: done } = await sinkToFileHashed(res, tmp, (n) => onProgress?.(n, total)))
        } else {
          const hash = createHash('sha256')
          let seen = 0
          const meter = new Transform({
            transform(chunk: Buffer, _enc, cb) {
              hash.update(chunk)
              seen += chunk.length
              onProgress?.(seen, total)
              cb(null, chunk)
            },
          })
          await pipeline(res, meter, createWriteStream(tmp, { highWaterMark: 1024 * 1024 }))
          const fh = await open(tmp, 'r')
          await fh.sync().finally(() => fh.close())
          actual = hash.digest('hex')
          done = seen
        }
        if (verify.size !== undefined && done !== verify.size) {
          throw new BlobIntegrityError({ blobId, what: 'size', expected: String(verify.size), actual: String(done) })
        }
        if (actual !== expected) throw new BlobIntegrityError({ blobId, expected, actual })
        return done
      })
      await rename(tmp, dest)
      return { size }
    } finally {
      await rm(tmp, { force: true })
    }
  }

  async exists(blobId: string): Promise<boolean> {
    const url = this.blobUrl(blobId).toString()
    return this.withRetries(url, async () => {
      const res = await httpRequest({ method: 'HEAD', url: this.blobUrl(blobId), timeoutMs: this.timeoutMs, agents: this.agents })
      res.resume()
      if (res.statusCode === 200) return true
      if (res.statusCode === 404) return false
      return this.failure(res, url)
    })
  }

  private async verifyBytes(blobId: string, bytes: Uint8Array, verify: BlobVerification): Promise<void> {
    if ('sha256' in verify) {
      if ('size' in verify && verify.size !== undefined && bytes.length !== verify.size) {
        throw new BlobIntegrityError({ blobId, what: 'size', expected: String(verify.size), actual: String(bytes.length) })
      }
      const actual = createHash('sha256').update(bytes).digest('hex')
      const expected = normalizeSha256(verify.sha256)
      if (actual !== expected) throw new BlobIntegrityError({ blobId, expected, actual })
      return
    }
    this.blobIdWorker ??= new BlobIdWorker({ shards: this.shards })
    const actual = await this.blobIdWorker.computeForBytes(bytes)
    if (actual !== blobId) {
      throw new BlobIntegrityError({
        blobId,
        what: `blob ID at ${this.shards} shards`,
        expected: blobId,
        actual,
        metaMessages: [`If the store computes blob IDs with another shard count than ${this.shards}, give the client that count (an embedded store reports it at GET /status).`],
      })
    }
  }

  /** Closes kept-alive connections and the blob ID worker. */
  async close(): Promise<void> {
    this.agents.http.destroy()
    this.agents.https.destroy()
    await this.blobIdWorker?.close()
  }
}
