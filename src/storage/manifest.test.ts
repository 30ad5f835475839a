import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeManifest, encodeManifest, MANIFEST_FORMAT, validateManifest, type ModelManifest } from './manifest.ts'
import { ModelManifestError } from './errors.ts'

const ID = 'kIrHJ_1VfYJD-OV0O1JicM2lB5swr83ZkfvTD7BWV0I'
const H = 'a'.repeat(64)
const good: ModelManifest = {
  format: MANIFEST_FORMAT,
  fileFormat: 'onnx',
  size: 25,
  sha256: H,
  chunkSize: 10,
  chunks: [{ blobId: ID, size: 10, sha256: H }, { blobId: ID, size: 10, sha256: H }, { blobId: ID, size: 5, sha256: H }],
  io: { inputs: [{ name: 'x', elementType: 'float32', shape: ['N', 4] }], outputs: [{ name: 'y', elementType: 'float32', shape: ['N', 3] }] },
}

test('a manifest round-trips through its stored form, with a fixed key order', () => {
  assert.deepEqual(decodeManifest(encodeManifest(good)), good)
  const shuffled = { io: good.io, chunks: good.chunks, chunkSize: 10, sha256: H, size: 25, fileFormat: 'onnx', format: MANIFEST_FORMAT } as ModelManifest
  assert.deepEqual(encodeManifest(shuffled), encodeManifest(good))
})

test('validateManifest names the first fault', () => {
  const cases: [Partial<ModelManifest> | Record<string, unknown>, RegExp][] = [
    [{ format: 'x' }, /format is "x"/],
    [{ fileFormat: 'pt' }, /fileFormat is "pt"/],
    [{ sha256: 'A'.repeat(64) }, /sha256 is not 64 lower-case hex/],
    [{ size: -1 }, /size is not a non-negative integer/],
    [{ chunkSize: 0 }, /chunkSize is not a positive integer/],
    [{ chunks: [{ blobId: ID, size: 5, sha256: H }, { blobId: ID, size: 20, sha256: H }] }, /chunk 0 has 5 bytes; every chunk but the last has 10/],
    [{ chunks: [{ blobId: ID, size: 10, sha256: H }, { blobId: ID, size: 11, sha256: H }] }, /last chunk has 11 bytes, over the chunk size 10/],
    [{ size: 24 }, /chunks add up to 25 bytes, but size is 24/],
    [{ chunks: [{ blobId: ID, size: 10, sha256: 'zz' }] }, /chunk 0 sha256/],
    [{ io: undefined }, /io has no inputs and outputs/],
  ]
  for (const [change, reason] of cases) {
    assert.throws(() => validateManifest({ ...good, ...change }, ID), (err: unknown) => {
      assert.ok(err instanceof ModelManifestError, String(err))
      assert.match(err.message, new RegExp(`^model manifest ${ID} is invalid: `))
      assert.match(err.message, reason)
      return true
    })
  }
})
