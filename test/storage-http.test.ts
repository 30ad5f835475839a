// The Walrus client's suite, run against the embedded store over real HTTP on 127.0.0.1.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { startStorageServer, type RunningStorageServer } from '../src/nodes/storage/app.ts'
import { WalrusClient } from '../src/storage/walrusClient.ts'
import { computeBlobId } from '../src/storage/blobId.ts'
import { getStoreStatus, StoreStatusError } from '../src/storage/getStoreStatus.ts'
import {
  BlobIntegrityError,
  BlobNotFoundError,
  BlobStoreRequestError,
  BlobTooLargeError,
  InvalidBlobIdError,
} from '../src/storage/errors.ts'

const SHARDS = 50
const MAX_BLOB = 12 * 1024 * 1024
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

describe('Walrus client against the embedded store', () => {
  let dir: string
  let server: RunningStorageServer
  let client: WalrusClient

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'haca-storage-http-'))
    server = await startStorageServer({ dir: join(dir, 'store'), shards: SHARDS, maxBlobSize: MAX_BLOB })
    client = new WalrusClient({ publisherUrl: server.url, aggregatorUrl: server.url, shards: SHARDS, retryDelayMs: 10 })
  })
  after(async () => {
    await client.close()
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  test('put answers newlyCreated with the Walrus blob ID, then alreadyCertified for the same bytes', async () => {
    const data = new TextEncoder().encode(`hello ${randomBytes(8).toString('hex')}`)
    const first = await client.put(data, { epochs: 3 })
    assert.equal(first.status, 'newlyCreated')
    assert.equal(first.blobId, computeBlobId(data, { shards: SHARDS }))
    assert.equal(first.endEpoch, 4)
    assert.match(first.objectId ?? '', /^0x[0-9a-f]{64}$/)
    const again = await client.put(data, { epochs: 2 })
    assert.deepEqual([again.status, again.blobId, again.endEpoch], ['alreadyCertified', first.blobId, 4])
    // Asking for more epochs extends the blob's lifetime.
    assert.equal((await client.put(data, { epochs: 10 })).endEpoch, 11)
  })

  test('the raw PUT answer has the camelCase Walrus shape', async () => {
    const res = await fetch(`${server.url}/v1/blobs?epochs=2`, { method: 'PUT', body: randomBytes(100) })
    assert.equal(res.status, 200)
    const json = (await res.json()) as any
    assert.deepEqual(Object.keys(json), ['newlyCreated'])
    const o = json.newlyCreated.blobObject
    assert.equal(o.size, 100)
    assert.equal(o.encodingType, 'RS2')
    assert.equal(o.storage.endEpoch, o.storage.startEpoch + 2)
    assert.equal(json.newlyCreated.resourceOperation.registerFromScratch.epochsAhead, 2)
  })

  test('get returns verified bytes (by sha256 or by recomputed blob ID); a wrong hash is an error', async () => {
    const data = randomBytes(200_000)
    const { blobId } = await client.put(data)
    assert.deepEqual(Buffer.from(await client.get(blobId, { verify: { sha256: sha(data) } })), data)
    assert.deepEqual(Buffer.from(await client.get(blobId, { verify: { sha256: `0x${sha(data)}`, size: data.length } })), data)
    assert.deepEqual(Buffer.from(await client.get(blobId, { verify: { blobId: true } })), data)
    await assert.rejects(client.get(blobId, { verify: { sha256: sha(new Uint8Array([1])) } }), (err: unknown) => {
      assert.ok(err instanceof BlobIntegrityError)
      assert.match(err.message, new RegExp(`blob ${blobId} failed verification: sha256 is ${sha(data)}, expected`))
      return true
    })
    await assert.rejects(client.get(blobId, { verify: { sha256: sha(data), size: 5 } }), /size is 200000, expected 5/)
  })

  test('a blob corrupted or truncated on disk is never returned as good', async () => {
    const data = randomBytes(50_000)
    const { blobId } = await client.put(data)
    const path = join(dir, 'store', 'blobs', blobId)
    const flipped = Buffer.from(data)
    flipped[123] ^= 0xff
    writeFileSync(path, flipped)
    await assert.rejects(client.get(blobId, { verify: { sha256: sha(data) } }), BlobIntegrityError)
    await assert.rejects(client.get(blobId, { verify: { blobId: true } }), /blob ID at 50 shards is[\s\S]*give the client that count/)
    writeFileSync(path, data.subarray(0, 1000))
    await assert.rejects(client.get(blobId, { verify: { sha256: sha(data) } }), BlobIntegrityError)
    const dest = join(dir, 'corrupt.out')
    await assert.rejects(client.getToFile(blobId, dest, { verify: { sha256: sha(data) } }), BlobIntegrityError)
    assert.equal(existsSync(dest), false, 'no file is left behind on a failed check')
    writeFileSync(path, data)
  })

  test('getRange reads part of a blob (206 with Content-Range) and checks it', async () => {
    const data = randomBytes(10_000)
    const { blobId } = await client.put(data)
    const part = await client.getRange(blobId, { start: 100, end: 1099, verify: { sha256: sha(data.subarray(100, 1100)) } })
    assert.deepEqual(Buffer.from(part), data.subarray(100, 1100))
    await assert.rejects(client.getRange(blobId, { start: 0, end: 9, verify: { sha256: sha(data.subarray(1, 11)) } }), BlobIntegrityError)

    const res = await fetch(`${server.url}/v1/blobs/${blobId}`, { headers: { range: 'bytes=9990-' } })
    assert.equal(res.status, 206)
    assert.equal(res.headers.get('content-range'), 'bytes 9990-9999/10000')
    assert.equal(res.headers.get('content-length'), '10')
    assert.equal(res.headers.get('etag'), `"${blobId}"`)
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), data.subarray(9990))

    const bad = await fetch(`${server.url}/v1/blobs/${blobId}`, { headers: { range: 'bytes=20000-' } })
    assert.equal(bad.status, 416)
    assert.equal(bad.headers.get('content-range'), 'bytes */10000')
    await assert.rejects(client.getRange(blobId, { start: 20000, end: 20010, verify: { sha256: sha(data) } }), (err: unknown) =>
      err instanceof BlobStoreRequestError && err.status === 416)
  })

  test('GET serves ETag, Accept-Ranges and honours If-None-Match; HEAD gives the size', async () => {
    const data = randomBytes(1234)
    const { blobId } = await client.put(data)
    const res = await fetch(`${server.url}/v1/blobs/${blobId}`)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('etag'), `"${blobId}"`)
    assert.equal(res.headers.get('accept-ranges'), 'bytes')
    assert.equal(res.headers.get('content-type'), 'application/octet-stream')
    assert.equal(res.headers.get('content-length'), '1234')
    await res.arrayBuffer()
    const cached = await fetch(`${server.url}/v1/blobs/${blobId}`, { headers: { 'if-none-match': `"${blobId}"` } })
    assert.equal(cached.status, 304)
    const head = await fetch(`${server.url}/v1/blobs/${blobId}`, { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.headers.get('content-length'), '1234')
  })

  test('putFile streams a file up and getToFile streams it down, verified, with progress', async () => {
    const src = join(dir, 'big.bin')
    const data = randomBytes(3 * 1024 * 1024 + 17)
    writeFileSync(src, data)
    const { blobId, status } = await client.putFile(src)
    assert.equal(status, 'newlyCreated')
    assert.equal(blobId, computeBlobId(data, { shards: SHARDS }))
    const dest = join(dir, 'big.out')
    const seen: number[] = []
    const { size } = await client.getToFile(blobId, dest, { verify: { sha256: sha(data), size: data.length }, onProgress: (done) => seen.push(done) })
    assert.equal(size, data.length)
    assert.ok(readFileSync(dest).equals(data))
    assert.equal(seen.at(-1), data.length)
    assert.ok(seen.length > 1, 'progress is reported more than once for 3 MB')
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.partial-')), [])
  })

  test('a large download (hashed on a worker thread) is verified too', async () => {
    const data = randomBytes(9 * 1024 * 1024 + 5)
    const src = join(dir, 'large.bin')
    writeFileSync(src, data)
    const { blobId } = await client.putFile(src)
    const dest = join(dir, 'large.out')
    let last = 0
    await client.getToFile(blobId, dest, { verify: { sha256: sha(data), size: data.length }, onProgress: (done) => (last = done) })
    assert.ok(readFileSync(dest).equals(data))
    assert.equal(last, data.length)
    const flipped = Buffer.from(data)
    flipped[data.length - 1] ^= 1
    writeFileSync(join(dir, 'store', 'blobs', blobId), flipped)
    const dest2 = join(dir, 'large-corrupt.out')
    await assert.rejects(client.getToFile(blobId, dest2, { verify: { sha256: sha(data) } }), BlobIntegrityError)
    assert.equal(existsSync(dest2), false)
    writeFileSync(join(dir, 'store', 'blobs', blobId), data)
  })

  test('a blob can be read by its blob object ID, as from a Walrus aggregator, also after a restart', async () => {
    const data = randomBytes(3000)
    const { blobId, objectId } = await client.put(data)
    const res = await fetch(`${server.url}/v1/blobs/by-object-id/${objectId}`, { headers: { range: 'bytes=0-99' } })
    assert.equal(res.status, 206)
    assert.equal(res.headers.get('etag'), `"${blobId}"`)
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), data.subarray(0, 100))
    const restarted = await startStorageServer({ dir: join(dir, 'store'), shards: SHARDS })
    try {
      const again = await fetch(`${restarted.url}/v1/blobs/by-object-id/${objectId}`)
      assert.equal(again.status, 200)
      assert.deepEqual(Buffer.from(await again.arrayBuffer()), data)
    } finally {
      await restarted.close()
    }
    assert.equal((await fetch(`${server.url}/v1/blobs/by-object-id/0x1234`)).status, 404)
    assert.equal((await fetch(`${server.url}/v1/blobs/by-object-id/nope`)).status, 400)
  })

  test('exists is true for stored blobs and false for others; unknown blobs are BlobNotFoundError', async () => {
    const { blobId } = await client.put(randomBytes(10))
    assert.equal(await client.exists(blobId), true)
    const missing = computeBlobId(randomBytes(10), { shards: SHARDS })
    assert.equal(await client.exists(missing), false)
    const started = Date.now()
    await assert.rejects(client.get(missing, { verify: { blobId: true } }), (err: unknown) =>
      err instanceof BlobNotFoundError && err.message === `blob ${missing} not found at ${server.url}/v1/blobs/${missing}`)
    assert.ok(Date.now() - started < 1000, 'a 404 for a blob this client did not just store is not retried')
  })

  test('a blob over the size limit gets 413 with a clear message and nothing is stored', async () => {
    const before = (await (await fetch(`${server.url}/status`)).json()) as { blobs: number }
    await assert.rejects(client.put(new Uint8Array(MAX_BLOB + 1)), (err: unknown) => {
      assert.ok(err instanceof BlobTooLargeError)
      assert.match(err.message, /over the store's size limit/)
      assert.match(err.message, new RegExp(`Details: blob of ${MAX_BLOB + 1} bytes is over the ${MAX_BLOB}-byte size limit`))
      return true
    })
    const res = await fetch(`${server.url}/v1/blobs`, { method: 'PUT', body: new Uint8Array(MAX_BLOB + 1) })
    assert.equal(res.status, 413)
    const body = (await res.json()) as any
    assert.equal(body.error.code, 413)
    assert.equal(body.error.message, `blob of ${MAX_BLOB + 1} bytes is over the ${MAX_BLOB}-byte size limit`)
    // Without a Content-Length (chunked), the limit is enforced while streaming.
    const chunked = new ReadableStream({
      start(c) {
        for (let i = 0; i < 5; i++) c.enqueue(new Uint8Array(MAX_BLOB / 4))
        c.close()
      },
    })
    const res2 = await fetch(`${server.url}/v1/blobs`, { method: 'PUT', body: chunked, duplex: 'half' } as RequestInit)
    assert.equal(res2.status, 413)
    assert.match(((await res2.json()) as any).error.message, /over the 12582912-byte size limit/)
    const afterStatus = (await (await fetch(`${server.url}/status`)).json()) as { blobs: number }
    assert.equal(afterStatus.blobs, before.blobs)
    assert.deepEqual(readdirSync(join(dir, 'store', 'tmp')), [], 'no temp file is left')
  })

  test('malformed blob IDs: the client refuses them, the server answers 400 in Walrus error JSON', async () => {
    await assert.rejects(client.get('not-a-blob-id', { verify: { blobId: true } }), InvalidBlobIdError)
    const res = await fetch(`${server.url}/v1/blobs/not-a-blob-id`)
    assert.equal(res.status, 400)
    const body = (await res.json()) as any
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'details', 'message', 'status'])
    assert.equal(body.error.status, 'INVALID_ARGUMENT')
    const epochs = await fetch(`${server.url}/v1/blobs?epochs=0`, { method: 'PUT', body: 'x' })
    assert.equal(epochs.status, 400)
  })

  test('GET /status and GET /v1/api describe the store', async () => {
    const status = (await (await fetch(`${server.url}/status`)).json()) as any
    assert.equal(status.service, 'haca-storage')
    assert.equal(status.shards, SHARDS)
    assert.equal(status.maxBlobSize, MAX_BLOB)
    assert.ok(status.blobs > 0)
    const viaHelper = await getStoreStatus(server.url)
    assert.equal(viaHelper.shards, SHARDS)
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const closedPort = (closed.address() as AddressInfo).port
    await new Promise<void>((r) => closed.close(() => r()))
    await assert.rejects(getStoreStatus(`http://127.0.0.1:${closedPort}`), (err: unknown) => err instanceof StoreStatusError && /ECONNREFUSED/.test(err.message))
    await assert.rejects(getStoreStatus(`${server.url}/v1/api`), /answered 404/)
    const api = (await (await fetch(`${server.url}/v1/api`)).json()) as any
    assert.equal(api.openapi, '3.0.3')
    assert.deepEqual(Object.keys(api.paths).sort(), ['/status', '/v1/api', '/v1/blobs', '/v1/blobs/by-object-id/{objectId}', '/v1/blobs/{blobId}'])
    assert.ok(api.paths['/v1/blobs/{blobId}'].get.responses['206'])
    assert.ok(api.paths['/v1/blobs'].put.responses['413'])
  })
})

describe('an authenticated publisher', () => {
  test('PUT needs the bearer token; reads do not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'haca-storage-auth-'))
    const server = await startStorageServer({ dir, shards: SHARDS, authToken: 's3cret' })
    const anonymous = new WalrusClient({ publisherUrl: server.url, aggregatorUrl: server.url, shards: SHARDS, retryDelayMs: 10 })
    const authed = new WalrusClient({ publisherUrl: server.url, aggregatorUrl: server.url, shards: SHARDS, token: 's3cret' })
    try {
      await assert.rejects(anonymous.put(new Uint8Array([1, 2, 3])), (err: unknown) => {
        assert.ok(err instanceof BlobStoreRequestError)
        assert.equal(err.status, 401)
        assert.match(err.message, /answered 401: this publisher needs a bearer token/)
        return true
      })
      const { blobId } = await authed.put(new Uint8Array([1, 2, 3]))
      assert.deepEqual(Array.from(await anonymous.get(blobId, { verify: { sha256: sha(new Uint8Array([1, 2, 3])) } })), [1, 2, 3])
    } finally {
      await anonymous.close()
      await authed.close()
      await server.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
