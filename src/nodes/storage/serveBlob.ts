/** Answers a blob read (GET or HEAD) as a Walrus aggregator does: ETag, ranges, 304, 416. */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { DiskBlobs } from './diskBlobs.ts'
import { parseRange } from './range.ts'
import { sendError } from './walrusJson.ts'

const HIGH_WATER_MARK = 1024 * 1024

export async function serveBlob(blobs: DiskBlobs, blobId: string, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const meta = await blobs.meta(blobId)
  if (!meta) return sendError(reply, 404, `blob ${blobId} not found`)
  // Sizes come from the file itself: if it was damaged on disk, clients see short or wrong
  // bytes and their verification fails, instead of waiting for bytes that never come.
  let size: number
  try {
    size = (await stat(blobs.dataPath(blobId))).size
  } catch {
    return sendError(reply, 404, `blob ${blobId} not found`)
  }
  const etag = `"${blobId}"`
  reply.headers({
    etag,
    'accept-ranges': 'bytes',
    'content-type': 'application/octet-stream',
    // Content-addressed: the bytes behind an ID never change.
    'cache-control': 'public, max-age=31536000, immutable',
  })
  if (request.headers['if-none-match'] === etag) return reply.code(304).send()
  const range = parseRange(request.headers.range, size)
  if (range === 'unsatisfiable') {
    return sendError(reply, 416, `range ${request.headers.range} is outside the blob's ${size} bytes`, { 'content-range': `bytes */${size}` })
  }
  if (range === 'ignore') {
    reply.header('content-length', size)
    if (request.method === 'HEAD') return reply.send()
    return reply.send(createReadStream(blobs.dataPath(blobId), { highWaterMark: HIGH_WATER_MARK }))
  }
  reply.code(206).headers({ 'content-range': `bytes ${range.start}-${range.end}/${size}`, 'content-length': range.end - range.start + 1 })
  if (request.method === 'HEAD') return reply.send()
  return reply.send(createReadStream(blobs.dataPath(blobId), { start: range.start, end: range.end, highWaterMark: HIGH_WATER_MARK }))
}
