import { test } from 'node:test'
import assert from 'node:assert/strict'
import { assertBlobId, blobIdFromBytes, blobIdToBytes, computeBlobId, isBlobId, maxBlobSizeForShards } from './blobId.ts'
import { BlobIdWorker } from './blobIdWorker.ts'
import { InvalidBlobIdError } from './errors.ts'

const HELLO = new TextEncoder().encode('hello walrus')

// Computed once with @mysten/walrus-wasm 0.3.0 (BlobEncoder(1000).compute_metadata) and pinned:
// if this changes, blob IDs no longer match Walrus mainnet/testnet (1000 shards).
const HELLO_ID_1000_SHARDS = 'kIrHJ_1VfYJD-OV0O1JicM2lB5swr83ZkfvTD7BWV0I'
const HELLO_ID_10_SHARDS = '5g7EUy58ReQir0t11jz709ae5cdZT24btlovkXo28U8'

test('the blob ID of a known content at 1000 shards is pinned (computed on a worker thread)', async () => {
  const worker = new BlobIdWorker({ shards: 1000 })
  try {
    const started = performance.now()
    const pending = worker.computeForBytes(HELLO)
    // The event loop stays free while the worker computes.
    const ticks = await new Promise<number>((resolve) => {
      let n = 0
      const t = setInterval(() => n++, 10)
      void pending.finally(() => {
        clearInterval(t)
        resolve(n)
      })
    })
    assert.equal(await pending, HELLO_ID_1000_SHARDS)
    const elapsed = performance.now() - started
    if (elapsed > 500) assert.ok(ticks >= 10, `event loop was blocked: ${ticks} ticks in ${elapsed.toFixed(0)} ms`)
  } finally {
    await worker.close()
  }
})

test('the shard count changes the blob ID; the worker and the calling thread agree', async () => {
  assert.equal(computeBlobId(HELLO, { shards: 10 }), HELLO_ID_10_SHARDS)
  const worker = new BlobIdWorker({ shards: 10 })
  try {
    assert.equal(await worker.computeForBytes(HELLO), HELLO_ID_10_SHARDS)
    assert.notEqual(await worker.computeForBytes(new TextEncoder().encode('hello walrus!')), HELLO_ID_10_SHARDS)
  } finally {
    await worker.close()
  }
})

test('blob IDs are URL-safe base64 of 32 bytes without padding', () => {
  const bytes = new Uint8Array(32).fill(0xfb)
  const id = blobIdFromBytes(bytes)
  assert.equal(id.length, 43)
  assert.match(id, /^[A-Za-z0-9_-]+$/)
  assert.ok(id.includes('-') || id.includes('_'), 'URL-safe alphabet, not + and /')
  assert.deepEqual(blobIdToBytes(id), bytes)
  assert.ok(isBlobId(HELLO_ID_1000_SHARDS))
  assert.throws(() => blobIdFromBytes(new Uint8Array(31)), /32 bytes, got 31/)
})

test('malformed blob IDs are refused with InvalidBlobIdError', () => {
  for (const bad of ['', 'abc', `${HELLO_ID_10_SHARDS}=`, HELLO_ID_10_SHARDS.replace('5', '+'), `${HELLO_ID_10_SHARDS.slice(0, 42)}B`, '../../etc/passwd']) {
    assert.equal(isBlobId(bad), false, bad)
    assert.throws(() => assertBlobId(bad), (err: unknown) => err instanceof InvalidBlobIdError && /is not a Walrus blob ID/.test(err.message))
  }
})

test('a worker job for a missing file fails with a typed error, and the worker keeps working', async () => {
  const worker = new BlobIdWorker({ shards: 10 })
  try {
    await assert.rejects(worker.computeForFile('/nonexistent/haca/blob'), /could not compute the blob ID: ENOENT/)
    assert.equal(await worker.computeForBytes(HELLO), HELLO_ID_10_SHARDS)
  } finally {
    await worker.close()
  }
})

test('maxBlobSizeForShards is exactly the largest blob the encoder takes', () => {
  const max = maxBlobSizeForShards(10)
  assert.equal(max, 1_834_952)
  assert.match(computeBlobId(new Uint8Array(max), { shards: 10 }), /^[A-Za-z0-9_-]{43}$/)
  assert.throws(() => computeBlobId(new Uint8Array(max + 1), { shards: 10 }), /too large/)
  assert.ok(maxBlobSizeForShards(1000) > 13 * 1024 ** 3)
})
