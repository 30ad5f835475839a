/**
 * Stores a model file in the blob store: checks that it is a valid ONNX model (before
 * anything is stored), splits it into chunks, stores each chunk, then the manifest.
 */
import { createHash } from 'node:crypto'
import { open, stat } from 'node:fs/promises'
import { checkOnnxLoads } from '../onnx/checkLoads.ts'
import { readOnnxSchemaFromFile } from '../onnx/schema.ts'
import type { OnnxIoSchema } from '../protocol/onnxTypes.ts'
import type { BlobStore } from './blobStore.ts'
import { encodeManifest, MANIFEST_FORMAT, type ManifestChunk, type ModelManifest } from './manifest.ts'
import type { OnProgress } from './progress.ts'
import { BlobTooLargeError } from './errors.ts'

/** 32 MiB: far below Walrus's limits (and the embedded store's), and few enough blob IDs (about 2.6 s each at 1000 shards) per model. */
export const DEFAULT_CHUNK_SIZE = 32 * 1024 * 1024

export type UploadModelFileParameters = {
  /** Bytes per chunk blob; halved automatically while the store answers 413. */
  chunkSize?: number
  /** Storage epochs for every blob; 1 unless given. */
  epochs?: number
  /** Also load the model in onnxruntime before storing (catches unknown ops, bad graphs); true unless given. */
  checkRuntime?: boolean
  onProgress?: OnProgress
}

export type UploadModelFileReturnType = {
  /** What the ledger records as the model's location. */
  manifestBlobId: string
  /** sha256 of the whole file, lower-case hex without 0x. */
  sha256: string
  size: number
  format: 'onnx'
  io: OnnxIoSchema
  manifest: ModelManifest
}

/**
 * Uploads an ONNX model. Throws InvalidOnnxModelError (nothing stored) for a file that is not
 * a valid ONNX model, and the store's typed errors for storage failures.
 *
 * @example
 * const { manifestBlobId, sha256, size, io } = await uploadModelFile(store, 'mlp.onnx')
 */
export async function uploadModelFile(
  store: BlobStore,
  path: string,
  { chunkSize = DEFAULT_CHUNK_SIZE, epochs, checkRuntime = true, onProgress }: UploadModelFileParameters = {},
): Promise<UploadModelFileReturnType> {
  if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0) throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`)
  // Refuse a bad model before a single byte is stored.
  const io = readOnnxSchemaFromFile(path)
  if (checkRuntime) await checkOnnxLoads(path)

  const { size } = await stat(path)
  let stored: { chunks: ManifestChunk[]; sha256: string } | undefined
  let currentChunkSize = chunkSize
  while (!stored) {
    try {
      stored = await storeChunks(store, path, size, currentChunkSize, epochs, onProgress)
    } catch (err) {
      // A publisher with a lower limit than our chunk size (public Walrus publishers take
      // 10 MiB; a small-shard dev store less): halve and start over. Chunks already stored
      // are content-addressed, so they are simply stored again or left unused.
      const failed = err instanceof ChunkTooLargeError ? err.chunkLength : undefined
      if (failed === undefined || failed <= MIN_CHUNK_SIZE) throw err instanceof ChunkTooLargeError ? err.cause : err
      currentChunkSize = Math.max(MIN_CHUNK_SIZE, Math.floor(failed / 2))
    }
  }
  const manifest: ModelManifest = { format: MANIFEST_FORMAT, fileFormat: 'onnx', size, sha256: stored.sha256, chunkSize: currentChunkSize, chunks: stored.chunks, io }
  const { blobId: manifestBlobId } = await store.put(encodeManifest(manifest), { epochs })
  onProgress?.({ phase: 'manifest', done: 1, total: 1 })
  return { manifestBlobId, sha256: manifest.sha256, size, format: 'onnx', io, manifest }
}

/** Smallest chunk size the upload falls back to when a publisher refuses larger blobs. */
const MIN_CHUNK_SIZE = 1024

class ChunkTooLargeError extends Error {
  constructor(readonly chunkLength: number, override readonly cause: BlobTooLargeError) {
    super(cause.message)
  }
}

/** Reads the file one chunk at a time (memory stays bounded by the chunk size) and stores each. */
async function storeChunks(
  store: BlobStore,
  path: string,
  size: number,
  chunkSize: number,
  epochs: number | undefined,
  onProgress: OnProgress | undefined,
): Promise<{ chunks: ManifestChunk[]; sha256: string }> {
  const whole = createHash('sha256')
  const chunks: ManifestChunk[] = []
  const fh = await open(path, 'r')
  try {
    const buf = Buffer.allocUnsafe(Math.min(chunkSize, Math.max(size, 1)))
    let offset = 0
    onProgress?.({ phase: 'upload', done: 0, total: size })
    while (offset < size) {
      const length = Math.min(chunkSize, size - offset)
      let read = 0
      while (read < length) {
        const { bytesRead } = await fh.read(buf, read, length - read, offset + read)
        if (bytesRead === 0) throw new Error(`${path} shrank while being uploaded`)
        read += bytesRead
      }
      const chunk = buf.subarray(0, length)
      whole.update(chunk)
      const { blobId } = await store.put(chunk, { epochs }).catch((err: unknown) => {
        throw err instanceof BlobTooLargeError ? new ChunkTooLargeError(length, err) : err
      })
      chunks.push({ blobId, size: length, sha256: createHash('sha256').update(chunk).digest('hex') })
      offset += length
      onProgress?.({ phase: 'upload', done: offset, total: size })
    }
  } finally {
    await fh.close()
  }
  return { chunks, sha256: whole.digest('hex') }
}
