/**
 * The model manifest: the blob that names a model file's chunks. A model is stored as chunks
 * (each its own blob, below any store's size limit) plus this manifest; the ledger records
 * the manifest's blob ID and the whole file's sha256, which together pin every byte.
 */
import { isBlobId } from './blobId.ts'
import { ModelManifestError } from './errors.ts'
import type { OnnxIoSchema } from '../protocol/onnxTypes.ts'

export const MANIFEST_FORMAT = 'haca-model-manifest/1'

export type ManifestChunk = { blobId: string; size: number; sha256: string }

export type ModelManifest = {
  format: typeof MANIFEST_FORMAT
  /** The model file's format; only `onnx` so far. */
  fileFormat: 'onnx'
  /** The whole file: size in bytes and sha256 (lower-case hex, no 0x). */
  size: number
  sha256: string
  /** Every chunk but the last has exactly this size. */
  chunkSize: number
  chunks: ManifestChunk[]
  /** Input and output names, types and shapes, as read from the model. */
  io: OnnxIoSchema
}

/** Largest manifest accepted when reading one back; a manifest of 100k chunks is ~15 MB. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024

const SHA256_RE = /^[0-9a-f]{64}$/

/** Checks a parsed manifest's shape and arithmetic; throws ModelManifestError naming the first fault. */
export function validateManifest(value: unknown, manifestBlobId?: string): ModelManifest {
  const fail = (reason: string): never => {
    throw new ModelManifestError({ manifestBlobId, reason })
  }
  if (typeof value !== 'object' || value === null) return fail('not a JSON object')
  const m = value as Record<string, unknown>
  if (m.format !== MANIFEST_FORMAT) fail(`format is ${JSON.stringify(m.format)}, expected "${MANIFEST_FORMAT}"`)
  if (m.fileFormat !== 'onnx') fail(`fileFormat is ${JSON.stringify(m.fileFormat)}, expected "onnx"`)
  const isSize = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
  if (!isSize(m.size)) fail('size is not a non-negative integer')
  if (typeof m.sha256 !== 'string' || !SHA256_RE.test(m.sha256)) fail('sha256 is not 64 lower-case hex digits')
  if (!isSize(m.chunkSize) || m.chunkSize === 0) fail('chunkSize is not a positive integer')
  const list = m.chunks
  if (!Array.isArray(list)) return fail('chunks is not a list')
  const chunkSize = m.chunkSize as number
  let total = 0
  list.forEach((c: unknown, i: number) => {
    const chunk = c as Record<string, unknown>
    if (typeof chunk !== 'object' || chunk === null) fail(`chunk ${i} is not an object`)
    if (typeof chunk.blobId !== 'string' || !isBlobId(chunk.blobId)) fail(`chunk ${i} has no valid blob ID`)
    if (!isSize(chunk.size) || chunk.size === 0) fail(`chunk ${i} size is not a positive integer`)
    if (typeof chunk.sha256 !== 'string' || !SHA256_RE.test(chunk.sha256)) fail(`chunk ${i} sha256 is not 64 lower-case hex digits`)
    const last = i === list.length - 1
    if (!last && chunk.size !== chunkSize) fail(`chunk ${i} has ${chunk.size} bytes; every chunk but the last has ${chunkSize}`)
    if (last && (chunk.size as number) > chunkSize) fail(`last chunk has ${chunk.size} bytes, over the chunk size ${chunkSize}`)
    total += chunk.size as number
  })
  if (total !== m.size) fail(`chunks add up to ${total} bytes, but size is ${m.size}`)
  const io = m.io as OnnxIoSchema | undefined
  if (!io || !Array.isArray(io.inputs) || !Array.isArray(io.outputs)) fail('io has no inputs and outputs lists')
  return m as unknown as ModelManifest
}

/** The manifest as stored: JSON with keys in a fixed order, so equal manifests are equal blobs. */
export function encodeManifest(m: ModelManifest): Uint8Array {
  const ordered: ModelManifest = {
    format: m.format,
    fileFormat: m.fileFormat,
    size: m.size,
    sha256: m.sha256,
    chunkSize: m.chunkSize,
    chunks: m.chunks.map((c) => ({ blobId: c.blobId, size: c.size, sha256: c.sha256 })),
    io: m.io,
  }
  return new TextEncoder().encode(JSON.stringify(ordered))
}

export function decodeManifest(bytes: Uint8Array, manifestBlobId?: string): ModelManifest {
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new ModelManifestError({ manifestBlobId, reason: 'not UTF-8 JSON' })
  }
  return validateManifest(parsed, manifestBlobId)
}
