/**
 * Fetches a model from the blob store: reads and checks its manifest, fetches each chunk
 * (each verified by its sha256), and writes the file; the file appears at `dest` only when
 * the whole of it hashes to the manifest's (and the caller's) sha256.
 */
import { createHash, randomBytes } from 'node:crypto'
import { open, rename, rm } from 'node:fs/promises'
import type { BlobStore } from './blobStore.ts'
import { BlobIntegrityError, ModelManifestError } from './errors.ts'
import { decodeManifest, MAX_MANIFEST_BYTES, type ModelManifest } from './manifest.ts'
import type { OnProgress } from './progress.ts'

export type DownloadModelParameters = {
  manifestBlobId: string
  /** Where the model file goes. */
  dest: string
  /** The sha256 the ledger records for the model (hex, 0x optional); checked against the manifest and the bytes. */
  sha256?: string
  onProgress?: OnProgress
  /** The manifest, when the caller has already read it with `readModelManifest`. */
  manifest?: ModelManifest
}

export type DownloadModelReturnType = { path: string; size: number; sha256: string; manifest: ModelManifest }

/**
 * Reads a manifest, verified by recomputing its blob ID (the store client's shard count).
 * Throws ModelManifestError when it is not a valid manifest.
 */
export async function readModelManifest(store: BlobStore, manifestBlobId: string): Promise<ModelManifest> {
  const bytes = await store.get(manifestBlobId, { verify: { blobId: true } })
  if (bytes.length > MAX_MANIFEST_BYTES) throw new ModelManifestError({ manifestBlobId, reason: `${bytes.length} bytes is too large for a manifest` })
  return decodeManifest(bytes, manifestBlobId)
}

/**
 * Downloads a model to `dest`. Throws ModelManifestError or BlobIntegrityError when the
 * manifest, a chunk or the whole file does not match; `dest` is then left untouched.
 *
 * @example
 * await downloadModel(store, { manifestBlobId, sha256: model.sha256, dest: '/tmp/model.onnx' })
 */
export async function downloadModel(
  store: BlobStore,
  { manifestBlobId, dest, sha256, onProgress, manifest: known }: DownloadModelParameters,
): Promise<DownloadModelReturnType> {
  const manifest = known ?? (await readModelManifest(store, manifestBlobId))
  const expected = sha256?.toLowerCase().replace(/^0x/, '')
  if (expected !== undefined && manifest.sha256 !== expected) {
    throw new ModelManifestError({ manifestBlobId, reason: `it describes a file with sha256 ${manifest.sha256}, expected ${expected}` })
  }
  const tmp = `${dest}.partial-${randomBytes(6).toString('hex')}`
  const whole = createHash('sha256')
  const fh = await open(tmp, 'w')
  let done = 0
  try {
    onProgress?.({ phase: 'download', done: 0, total: manifest.size })
    for (const chunk of manifest.chunks) {
      // Each chunk is checked against the manifest before it touches the file.
      const bytes = await store.get(chunk.blobId, { verify: { sha256: chunk.sha256, size: chunk.size } })
      whole.update(bytes)
      await fh.write(bytes, 0, bytes.length, done)
      done += bytes.length
      onProgress?.({ phase: 'download', done, total: manifest.size })
    }
    const actual = whole.digest('hex')
    if (actual !== manifest.sha256) {
      throw new BlobIntegrityError({ blobId: manifestBlobId, what: 'sha256 of the assembled model', expected: manifest.sha256, actual })
    }
    await fh.sync()
    await fh.close()
    await rename(tmp, dest)
    return { path: dest, size: done, sha256: actual, manifest }
  } catch (err) {
    await fh.close().catch(() => {})
    await rm(tmp, { force: true })
    throw err
  }
}
