// The model hub library against the embedded store over real HTTP: upload (chunks and a
// manifest), download, refusal of bad models and manifests, and the inference node's cache.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startStorageServer, type RunningStorageServer } from '../src/nodes/storage/app.ts'
import { WalrusClient } from '../src/storage/walrusClient.ts'
import { uploadModelFile } from '../src/storage/uploadModelFile.ts'
import { downloadModel, readModelManifest } from '../src/storage/downloadModel.ts'
import { encodeManifest, MANIFEST_FORMAT, type ModelManifest } from '../src/storage/manifest.ts'
import { ModelCache, ModelTooLargeForCacheError } from '../src/storage/modelCache.ts'
import { BlobIntegrityError, ModelManifestError } from '../src/storage/errors.ts'
import { InvalidOnnxModelError } from '../src/onnx/schema.ts'
import { buildMlpModel, encodeModel } from '../src/onnx/build.ts'
import type { ProgressEvent } from '../src/storage/progress.ts'
import type { BlobStore } from '../src/storage/blobStore.ts'

const SHARDS = 20
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

describe('model hub', () => {
  let dir: string
  let server: RunningStorageServer
  let store: WalrusClient
  const model = buildMlpModel({ hiddenSize: 256 }) // about 8 KB
  let modelPath: string

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'haca-model-hub-'))
    server = await startStorageServer({ dir: join(dir, 'store'), shards: SHARDS })
    store = new WalrusClient({ publisherUrl: server.url, aggregatorUrl: server.url, shards: SHARDS, retryDelayMs: 10 })
    modelPath = join(dir, 'mlp.onnx')
    writeFileSync(modelPath, model)
  })
  after(async () => {
    await store.close()
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const blobCount = async () => ((await (await fetch(`${server.url}/status`)).json()) as { blobs: number }).blobs

  test('uploadModelFile stores chunks and a manifest; downloadModel returns identical bytes', async () => {
    const events: ProgressEvent[] = []
    const up = await uploadModelFile(store, modelPath, { chunkSize: 1000, onProgress: (e) => events.push(e) })
    assert.equal(up.size, model.length)
    assert.equal(up.sha256, sha(model))
    assert.equal(up.format, 'onnx')
    assert.deepEqual(up.io, {
      inputs: [{ name: 'input', elementType: 'float32', shape: ['N', 4] }],
      outputs: [{ name: 'output', elementType: 'float32', shape: ['N', 3] }],
    })
    assert.equal(up.manifest.chunks.length, Math.ceil(model.length / 1000))
    assert.ok(up.manifest.chunks.slice(0, -1).every((c) => c.size === 1000))
    up.manifest.chunks.forEach((c, i) => assert.equal(c.sha256, sha(model.subarray(i * 1000, i * 1000 + c.size))))
    assert.deepEqual(events.at(-2), { phase: 'upload', done: model.length, total: model.length })
    assert.deepEqual(events.at(-1), { phase: 'manifest', done: 1, total: 1 })

    assert.deepEqual(await readModelManifest(store, up.manifestBlobId), up.manifest)
    const dest = join(dir, 'downloaded.onnx')
    const downEvents: ProgressEvent[] = []
    const down = await downloadModel(store, { manifestBlobId: up.manifestBlobId, sha256: `0x${up.sha256}`, dest, onProgress: (e) => downEvents.push(e) })
    assert.ok(readFileSync(dest).equals(model))
    assert.equal(downEvents.length, up.manifest.chunks.length + 1)
    assert.deepEqual(downEvents.at(-1), { phase: 'download', done: model.length, total: model.length })
    assert.equal(down.sha256, up.sha256)

    // The same file uploads to the same manifest (content addressing all the way down).
    const again = await uploadModelFile(store, modelPath, { chunkSize: 1000, checkRuntime: false })
    assert.equal(again.manifestBlobId, up.manifestBlobId)
  })

  test('a publisher with a lower size limit than the chunk size gets smaller chunks', async () => {
    const small = await startStorageServer({ dir: join(dir, 'small-store'), shards: SHARDS, maxBlobSize: 3000 })
    const smallStore = new WalrusClient({ publisherUrl: small.url, aggregatorUrl: small.url, shards: SHARDS, retryDelayMs: 10 })
    try {
      const up = await uploadModelFile(smallStore, modelPath, { checkRuntime: false })
      assert.ok(up.manifest.chunkSize <= 3000, `chunk size ${up.manifest.chunkSize}`)
      assert.ok(up.manifest.chunks.length >= 3)
      const dest = join(dir, 'small-store.onnx')
      await downloadModel(smallStore, { manifestBlobId: up.manifestBlobId, sha256: up.sha256, dest })
      assert.ok(readFileSync(dest).equals(model))
    } finally {
      await smallStore.close()
      await small.close()
    }
  })

  test('a file that is not a valid ONNX model is refused before anything is stored', async () => {
    const before = await blobCount()
    const notes = join(dir, 'notes.onnx')
    writeFileSync(notes, 'definitely not a model\n'.repeat(100))
    await assert.rejects(uploadModelFile(store, notes), InvalidOnnxModelError)
    const bogus = join(dir, 'bogus.onnx')
    writeFileSync(bogus, encodeModel({
      graph: {
        name: 'b',
        nodes: [{ opType: 'NoSuchOp', inputs: ['input'], outputs: ['output'] }],
        inputs: [{ name: 'input', elementType: 'float32', shape: [1] }],
        outputs: [{ name: 'output', elementType: 'float32', shape: [1] }],
      },
    }))
    await assert.rejects(uploadModelFile(store, bogus), /onnxruntime cannot load it/)
    assert.equal(await blobCount(), before)
  })

  describe('a manifest that does not match its chunks is an error', () => {
    let good: ModelManifest
    before(async () => {
      good = (await uploadModelFile(store, modelPath, { chunkSize: 1000, checkRuntime: false })).manifest
    })
    const attempt = async (manifest: ModelManifest | Uint8Array, sha256?: string) => {
      const { blobId } = await store.put(manifest instanceof Uint8Array ? manifest : encodeManifest(manifest))
      const dest = join(dir, `bad-${blobId}.onnx`)
      try {
        return await downloadModel(store, { manifestBlobId: blobId, dest, sha256 })
      } finally {
        assert.equal(existsSync(dest), false, 'nothing is left at dest')
        assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.partial-')), [])
      }
    }

    test('a chunk whose bytes do not hash to the manifest entry', async () => {
      const chunks = good.chunks.map((c) => ({ ...c }))
      chunks[2].sha256 = sha(new Uint8Array([1]))
      await assert.rejects(attempt({ ...good, chunks }), BlobIntegrityError)
    })
    test('chunks in the wrong order (each valid, the whole not)', async () => {
      const chunks = good.chunks.map((c) => ({ ...c }))
      ;[chunks[0], chunks[1]] = [chunks[1], chunks[0]]
      await assert.rejects(attempt({ ...good, chunks }), /sha256 of the assembled model is/)
    })
    test('sizes that do not add up', async () => {
      await assert.rejects(attempt({ ...good, size: good.size + 1 }), (err: unknown) =>
        err instanceof ModelManifestError && /chunks add up to \d+ bytes, but size is/.test(err.message))
    })
    test('a manifest for another model than the ledger records', async () => {
      await assert.rejects(attempt(good, sha(new Uint8Array([9]))), /describes a file with sha256/)
    })
    test('not a manifest at all', async () => {
      await assert.rejects(attempt(new TextEncoder().encode('{"format":"something-else"}')), /format is "something-else"/)
      await assert.rejects(attempt(new Uint8Array([0xff, 0xfe, 0x00])), /not UTF-8 JSON/)
      await assert.rejects(attempt({ ...good, format: MANIFEST_FORMAT, chunks: [{ ...good.chunks[0], blobId: 'nope' }] }), /chunk 0 has no valid blob ID/)
    })
  })

  describe('ModelCache', () => {
    // Three distinct models of about 8 KB each.
    const models = [1, 2, 3].map((seed) => buildMlpModel({ hiddenSize: 256, seed }))
    const refs: { manifestBlobId: string; sha256: string }[] = []
    before(async () => {
      for (const [i, m] of models.entries()) {
        const p = join(dir, `cache-src-${i}.onnx`)
        writeFileSync(p, m)
        const up = await uploadModelFile(store, p, { checkRuntime: false })
        refs.push({ manifestBlobId: up.manifestBlobId, sha256: up.sha256 })
      }
    })

    /** Counts chunk and manifest reads, to tell hits from fills. */
    const counting = (inner: BlobStore) => {
      let gets = 0
      const wrapped: BlobStore = {
        put: (d, o) => inner.put(d, o),
        putFile: (p, o) => inner.putFile(p, o),
        get: (id, o) => {
          gets++
          return inner.get(id, o)
        },
        getRange: (id, o) => inner.getRange(id, o),
        getToFile: (id, d, o) => inner.getToFile(id, d, o),
        exists: (id) => inner.exists(id),
      }
      return { store: wrapped, gets: () => gets }
    }

    test('fills on a miss (verified), hits after, evicts the least recently used past maxBytes', async () => {
      const c = counting(store)
      const cacheDir = join(dir, 'cache-lru')
      const cache = await ModelCache.open({ dir: cacheDir, maxBytes: models[0].length * 2 + 100, store: c.store })
      const p0 = await cache.get(refs[0])
      assert.ok(readFileSync(p0).equals(models[0]))
      const afterFill = c.gets()
      assert.equal(afterFill, 2, 'manifest + one chunk')
      assert.equal(await cache.get(refs[0]), p0)
      assert.equal(c.gets(), afterFill, 'a hit reads nothing from the store')
      await cache.get(refs[1])
      await cache.get(refs[0]) // model 0 is now the most recently used
      await cache.get(refs[2]) // over the limit: model 1 goes
      assert.equal(cache.has(refs[1].sha256), false)
      assert.equal(cache.has(refs[0].sha256), true)
      assert.equal(cache.has(refs[2].sha256), true)
      assert.deepEqual(readdirSync(cacheDir).sort(), [`${refs[0].sha256}.onnx`, `${refs[2].sha256}.onnx`].sort())
      assert.deepEqual(cache.stats(), { entries: 2, bytes: models[0].length + models[2].length, maxBytes: models[0].length * 2 + 100, hits: 2, misses: 3, evictions: 1 })
    })

    test('a pinned model is not evicted; concurrent requests share one fill', async () => {
      const c = counting(store)
      const cache = await ModelCache.open({ dir: join(dir, 'cache-pin'), maxBytes: models[0].length + 100, store: c.store })
      const [a, b] = await Promise.all([cache.acquire(refs[0]), cache.acquire(refs[0])])
      assert.equal(a.path, b.path)
      assert.equal(c.gets(), 2, 'one manifest read and one chunk read for two concurrent requests')
      await cache.get(refs[1]) // would evict model 0, but it is pinned: the cache runs over its bound instead
      assert.equal(cache.has(refs[0].sha256), true)
      a.release()
      b.release()
      await cache.get(refs[2])
      assert.equal(cache.has(refs[0].sha256), false)
    })

    test('a model larger than the cache is refused with a typed error', async () => {
      const cache = await ModelCache.open({ dir: join(dir, 'cache-small'), maxBytes: 1000, store })
      await assert.rejects(cache.get(refs[0]), (err: unknown) => err instanceof ModelTooLargeForCacheError && /does not fit the model cache \(1000 bytes\)/.test(err.message))
    })

    test('a file corrupted on disk between runs is re-fetched, not served', async () => {
      const cacheDir = join(dir, 'cache-reopen')
      const first = await ModelCache.open({ dir: cacheDir, maxBytes: 1e6, store })
      const path = await first.get(refs[0])
      const damaged = Buffer.from(models[0])
      damaged[500] ^= 1
      writeFileSync(path, damaged)
      writeFileSync(join(cacheDir, `${refs[1].sha256}.onnx.partial-abc`), 'half')
      const c = counting(store)
      const reopened = await ModelCache.open({ dir: cacheDir, maxBytes: 1e6, store: c.store })
      assert.equal(reopened.has(refs[0].sha256), true, 'adopted from disk')
      assert.deepEqual(readdirSync(cacheDir), [`${refs[0].sha256}.onnx`], 'partial downloads are cleared')
      const [p1, p2] = await Promise.all([reopened.get(refs[0]), reopened.get(refs[0])])
      assert.equal(p1, p2)
      assert.ok(readFileSync(p1).equals(models[0]))
      assert.equal(c.gets(), 2, 'the damaged file was re-fetched, once for two concurrent requests')
      assert.ok(readFileSync(await reopened.get(refs[0])).equals(models[0]))
      assert.equal(c.gets(), 2)
      // An intact file from an earlier run is checked, then served without touching the store.
      const c3 = counting(store)
      const third = await ModelCache.open({ dir: cacheDir, maxBytes: 1e6, store: c3.store })
      assert.ok(readFileSync(await third.get(refs[0])).equals(models[0]))
      assert.equal(c3.gets(), 0)
    })

    test('a ledger sha256 that the manifest does not describe is refused', async () => {
      const cache = await ModelCache.open({ dir: join(dir, 'cache-mismatch'), maxBytes: 1e6, store })
      await assert.rejects(cache.get({ manifestBlobId: refs[0].manifestBlobId, sha256: refs[1].sha256 }), ModelManifestError)
      assert.equal(cache.stats().entries, 0)
    })
  })
})
