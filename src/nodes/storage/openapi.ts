/** The OpenAPI document served at `GET /v1/api`: what this store serves, in Walrus's terms. */
import { errorSchema } from './walrusJson.ts'

export function openApiDocument({ version, maxBlobSize, shards }: { version: string; maxBlobSize: number; shards: number }) {
  const blobIdParam = {
    name: 'blobId',
    in: 'path',
    required: true,
    description: 'Walrus blob ID: URL-safe base64 of 32 bytes, no padding',
    schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' },
  }
  const error = (description: string) => ({ description, content: { 'application/json': { schema: errorSchema } } })
  return {
    openapi: '3.0.3',
    info: {
      title: 'haca storage (Walrus-compatible publisher and aggregator)',
      version,
      description: `Blob IDs are computed as Walrus computes them with ${shards} shards. Largest blob: ${maxBlobSize} bytes.`,
    },
    paths: {
      '/v1/blobs': {
        put: {
          summary: 'Store a blob (publisher)',
          parameters: [
            { name: 'epochs', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 53, default: 1 } },
            { name: 'deletable', in: 'query', schema: { type: 'boolean' } },
            { name: 'permanent', in: 'query', schema: { type: 'boolean' } },
          ],
          requestBody: { required: true, content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } },
          responses: {
            200: {
              description: 'Stored: `newlyCreated` for new content, `alreadyCertified` for content already held',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
            400: error('Bad query parameters'),
            401: error('Missing or wrong bearer token (when the store requires one)'),
            413: error(`Blob over ${maxBlobSize} bytes`),
          },
        },
      },
      '/v1/blobs/{blobId}': {
        get: {
          summary: 'Read a blob (aggregator); supports a single `Range: bytes=` range',
          parameters: [blobIdParam, { name: 'Range', in: 'header', schema: { type: 'string' } }],
          responses: {
            200: { description: 'The blob', headers: { ETag: { schema: { type: 'string' } } }, content: { 'application/octet-stream': {} } },
            206: { description: 'Part of the blob', headers: { 'Content-Range': { schema: { type: 'string' } } }, content: { 'application/octet-stream': {} } },
            304: { description: 'Not modified (If-None-Match matched the ETag)' },
            400: error('Malformed blob ID'),
            404: error('Blob not stored here'),
            416: error('Range not satisfiable'),
          },
        },
        head: { summary: 'Whether a blob is stored, and its size', parameters: [blobIdParam], responses: { 200: { description: 'Stored' }, 404: { description: 'Not stored' } } },
      },
      '/v1/blobs/by-object-id/{objectId}': {
        get: {
          summary: 'Read a blob by the ID of its blob object (as returned in newlyCreated.blobObject.id); same headers and ranges',
          parameters: [{ name: 'objectId', in: 'path', required: true, schema: { type: 'string', pattern: '^0x[0-9a-fA-F]{1,64}$' } }],
          responses: { 200: { description: 'The blob' }, 206: { description: 'Part of the blob' }, 400: error('Malformed object ID'), 404: error('No such blob object') },
        },
      },
      '/status': { get: { summary: 'Store status: shards, limits, usage', responses: { 200: { description: 'Status' } } } },
      '/v1/api': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3 document' } } } },
    },
  }
}
