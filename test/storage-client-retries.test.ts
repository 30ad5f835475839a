// The Walrus client's handling of a misbehaving publisher/aggregator: a real HTTP peer on
// 127.0.0.1 that answers from a script (503, 504, 429, 451, 404 just after upload, ...).
import { after, before, beforeEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHash } from 'node:crypto'
import { WalrusClient, parseStoreResponse } from '../src/storage/walrusClient.ts'
import { BlobNotFoundError, BlobStoreRequestError, BlobStoreUnavailableError, BlobTooLargeError } from '../src/storage/errors.ts'

const BLOB_ID = 'kIrHJ_1VfYJD-OV0O1JicM2lB5swr83ZkfvTD7BWV0I'
const CONTENT = Buffer.from('hello walrus')
const SHA = createHash('sha256').update(CONTENT).digest('hex')

type Scripted = { status: number; body?: string | Buffer; headers?: Record<string, string> }

describe('Walrus client retries and errors', () => {
  let server: http.Server
  let url: string
  let script: Scripted[] = []
  let seen: { method: string; url: string; auth?: string; body: number }[] = []

  before(async () => {
    server = http.createServer((req, res) => {
      let body = 0
      req.on('data', (c: Buffer) => (body += c.length))
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body })
        const next = script.shift() ?? { status: 500, body: 'script exhausted' }
        res.writeHead(next.status, next.headers ?? {})
        res.end(next.body)
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => new Promise<void>((r) => server.close(() => r())))
  beforeEach(() => {
    script = []
    seen = []
  })

  const client = (extra: Partial<ConstructorParameters<typeof WalrusClient>[0]> = {}) =>
    new WalrusClient({ publisherUrl: url, aggregatorUrl: url, retryDelayMs: 5, ...extra })

  const stored = JSON.stringify({ alreadyCertified: { blobId: BLOB_ID, event: { txDigest: 'x', eventSeq: '0' }, endEpoch: 7 } })

  test('PUT retries 503 and 504 with backoff, sends the bearer token and epochs, and parses alreadyCertified', async () => {
    script = [{ status: 503, body: 'busy' }, { status: 504, body: 'gateway timeout' }, { status: 200, body: stored }]
    const c = client({ token: 'tok' })
    try {
      const res = await c.put(CONTENT, { epochs: 5 })
      assert.deepEqual(res, { blobId: BLOB_ID, status: 'alreadyCertified', endEpoch: 7, objectId: undefined })
      assert.equal(seen.length, 3)
      assert.ok(seen.every((s) => s.method === 'PUT' && s.url === '/v1/blobs?epochs=5' && s.auth === 'Bearer tok' && s.body === CONTENT.length))
    } finally {
      await c.close()
    }
  })

  test('429 waits for Retry-After before the next attempt', async () => {
    script = [{ status: 429, headers: { 'retry-after': '1' } }, { status: 200, body: stored }]
    const c = client()
    try {
      const started = Date.now()
      await c.put(CONTENT)
      assert.ok(Date.now() - started >= 900, 'waited about a second')
    } finally {
      await c.close()
    }
  })

  test('persistent 5xx ends in BlobStoreUnavailableError after the configured attempts', async () => {
    script = Array.from({ length: 3 }, () => ({ status: 502, body: JSON.stringify({ error: { code: 502, message: 'upstream down' } }) }))
    const c = client({ attempts: 3 })
    try {
      await assert.rejects(c.put(CONTENT), (err: unknown) => {
        assert.ok(err instanceof BlobStoreUnavailableError)
        assert.match(err.message, /unavailable after 3 attempts: 502: upstream down/)
        return true
      })
      assert.equal(seen.length, 3)
    } finally {
      await c.close()
    }
  })

  test('400, 413 and 451 are not retried and give clear typed errors', async () => {
    const c = client()
    try {
      script = [{ status: 400, body: JSON.stringify({ error: { status: 'INVALID_ARGUMENT', code: 400, message: 'epochs too large' } }) }]
      await assert.rejects(c.put(CONTENT, { epochs: 999 }), (err: unknown) =>
        err instanceof BlobStoreRequestError && err.status === 400 && /answered 400: epochs too large/.test(err.message))
      script = [{ status: 413, body: 'too big' }]
      await assert.rejects(c.put(CONTENT), BlobTooLargeError)
      script = [{ status: 451, body: 'blocked in this jurisdiction' }]
      await assert.rejects(c.get(BLOB_ID, { verify: { sha256: SHA } }), (err: unknown) =>
        err instanceof BlobStoreRequestError && err.code === 'blob_unavailable_legal' && /451: blocked in this jurisdiction/.test(err.message))
      assert.equal(seen.length, 3)
    } finally {
      await c.close()
    }
  })

  test('a 404 just after this client stored the blob is retried; other 404s are not', async () => {
    const c = client()
    try {
      script = [{ status: 200, body: stored }, { status: 404 }, { status: 404 }, { status: 200, body: CONTENT }]
      const { blobId } = await c.put(CONTENT)
      assert.deepEqual(Buffer.from(await c.get(blobId, { verify: { sha256: SHA } })), CONTENT)
      assert.equal(seen.length, 4)

      const other = client()
      try {
        seen = []
        script = [{ status: 404 }, { status: 200, body: CONTENT }]
        await assert.rejects(other.get(BLOB_ID, { verify: { sha256: SHA } }), BlobNotFoundError)
        assert.equal(seen.length, 1)
      } finally {
        await other.close()
      }
    } finally {
      await c.close()
    }
  })

  test('a 404 that outlasts the retries after an upload is still BlobNotFoundError', async () => {
    const c = client({ attempts: 2 })
    try {
      script = [{ status: 200, body: stored }, { status: 404 }, { status: 404 }]
      await c.put(CONTENT)
      await assert.rejects(c.get(BLOB_ID, { verify: { sha256: SHA } }), BlobNotFoundError)
    } finally {
      await c.close()
    }
  })

  test('an unreachable store is BlobStoreUnavailableError, with credentials stripped from the URL', async () => {
    const c = new WalrusClient({ publisherUrl: 'http://user:pw@127.0.0.1:1', aggregatorUrl: 'http://127.0.0.1:1', attempts: 2, retryDelayMs: 5 })
    try {
      await assert.rejects(c.put(CONTENT), (err: unknown) => {
        assert.ok(err instanceof BlobStoreUnavailableError)
        assert.doesNotMatch(err.message, /pw/)
        assert.match(err.message, /ECONNREFUSED/)
        return true
      })
    } finally {
      await c.close()
    }
  })

  test('an aggregator that ignores Range is an error, not a wrong slice', async () => {
    const c = client()
    try {
      script = [{ status: 200, body: CONTENT }]
      await assert.rejects(c.getRange(BLOB_ID, { start: 0, end: 4, verify: { sha256: SHA } }), /ignored the Range header/)
    } finally {
      await c.close()
    }
  })
})

test('parseStoreResponse reads both Walrus answers and refuses anything else', () => {
  assert.deepEqual(
    parseStoreResponse({ newlyCreated: { blobObject: { id: '0xabc', blobId: BLOB_ID, storage: { endEpoch: 9 } }, cost: 1 } }),
    { blobId: BLOB_ID, status: 'newlyCreated', endEpoch: 9, objectId: '0xabc' },
  )
  assert.equal(parseStoreResponse({ alreadyCertified: { blobId: BLOB_ID, endEpoch: 3 } }).status, 'alreadyCertified')
  assert.throws(() => parseStoreResponse({ something: 1 }), /neither newlyCreated nor alreadyCertified/)
})
