/**
 * The JSON a Walrus publisher answers to `PUT /v1/blobs`, in its camelCase shapes, and the
 * error envelope Walrus services use (`{ error: { status, code, message, details } }`).
 */
import { createHash } from 'node:crypto'
import type { FastifyReply } from 'fastify'
import type { StoredBlobMeta } from './diskBlobs.ts'

/** A base58 string of 32 bytes, shaped like a Sui transaction digest. */
function pseudoDigest(seed: string): string {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
  let n = BigInt(`0x${createHash('sha256').update(seed).digest('hex')}`)
  let out = ''
  while (n > 0n) {
    out = alphabet[Number(n % 58n)] + out
    n /= 58n
  }
  return out
}

/** Walrus's encoded size for a blob, approximated: the embedded store does not erasure-code. */
function storageSize(meta: StoredBlobMeta, shards: number): number {
  return meta.size * 5 + shards * 64 * 4
}

export function newlyCreatedJson(meta: StoredBlobMeta, { shards, epochsAhead }: { shards: number; epochsAhead: number }) {
  const size = storageSize(meta, shards)
  return {
    newlyCreated: {
      blobObject: {
        id: meta.objectId,
        registeredEpoch: meta.registeredEpoch,
        blobId: meta.blobId,
        size: meta.size,
        encodingType: 'RS2',
        certifiedEpoch: meta.registeredEpoch,
        storage: {
          id: `0x${createHash('sha256').update(`haca-storage:${meta.blobId}`).digest('hex')}`,
          startEpoch: meta.registeredEpoch,
          endEpoch: meta.endEpoch,
          storageSize: size,
        },
        deletable: meta.deletable,
      },
      resourceOperation: { registerFromScratch: { encodedLength: size, epochsAhead } },
      cost: 0,
    },
  }
}

export function alreadyCertifiedJson(meta: StoredBlobMeta) {
  return {
    alreadyCertified: {
      blobId: meta.blobId,
      event: { txDigest: pseudoDigest(`haca-certify:${meta.blobId}`), eventSeq: '0' },
      endEpoch: meta.endEpoch,
    },
  }
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  404: 'NOT_FOUND',
  413: 'OUT_OF_RANGE',
  416: 'OUT_OF_RANGE',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
}

export function errorJson(code: number, message: string) {
  return { error: { status: STATUS_NAMES[code] ?? 'UNKNOWN', code, message, details: [] as unknown[] } }
}

/** Sends a Walrus-style error answer. */
export function sendError(reply: FastifyReply, code: number, message: string, headers: Record<string, string> = {}): FastifyReply {
  return reply.code(code).headers({ ...headers, 'content-type': 'application/json; charset=utf-8' }).send(errorJson(code, message))
}

export const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        status: { type: 'string' },
        code: { type: 'integer' },
        message: { type: 'string' },
        details: { type: 'array' },
      },
      required: ['status', 'code', 'message'],
    },
  },
  required: ['error'],
} as const
