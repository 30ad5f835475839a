/**
 * The JSON schemas of the node's routes, written `as const`: the routes' TypeScript types
 * come from them (core/http/fromSchema.ts), so each shape is written once.
 */
import { TENSOR_TYPES } from '../../../protocol/tensor.ts'
import { INFERENCE_MODES } from '../../../protocol/modes.ts'

export const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { message: { type: 'string' }, type: { type: 'string' }, code: { type: 'string' }, param: { type: ['string', 'null'] } },
      required: ['message', 'type', 'code'],
    },
  },
  required: ['error'],
} as const

export const errorResponses = { '4xx': errorSchema, '5xx': errorSchema } as const

export const tensorSchema = {
  type: 'object',
  properties: {
    dims: { type: 'array', items: { type: 'integer', minimum: 0 }, maxItems: 16 },
    type: { type: 'string', enum: TENSOR_TYPES },
    data: { type: 'array', items: { type: ['number', 'string', 'boolean'] } },
  },
  required: ['dims', 'type', 'data'],
  additionalProperties: false,
} as const

/** An input tensor: `data` as values (as in outputs) or as one base64 string of their bytes (tensor.ts). */
export const inputTensorSchema = {
  ...tensorSchema,
  properties: { ...tensorSchema.properties, data: { type: ['array', 'string'], items: { type: ['number', 'string', 'boolean'] } } },
} as const

export const inferBodySchema = {
  type: 'object',
  properties: {
    model: { type: 'string', minLength: 1, maxLength: 256 },
    mode: { type: 'string', enum: INFERENCE_MODES },
    inputs: { type: 'object', additionalProperties: inputTensorSchema, minProperties: 1 },
  },
  required: ['model', 'inputs'],
  additionalProperties: false,
} as const

/** `POST /v1/infer`'s answer (the route sends it pre-serialised, so the bytes hashed are the bytes sent). */
export const inferAnswerSchema = {
  type: 'object',
  properties: { model: { type: 'string' }, outputs: { type: 'object', additionalProperties: tensorSchema } },
  required: ['model', 'outputs'],
} as const

export const receiptSchema = {
  type: 'object',
  properties: {
    version: { type: 'integer' }, id: { type: 'string' }, node: { type: 'string' }, model: { type: 'string' }, mode: { type: 'string' },
    requestHash: { type: 'string' }, responseHash: { type: 'string' }, price: { type: 'string' }, timestamp: { type: 'integer' }, signature: { type: 'string' },
  },
  required: ['version', 'id', 'node', 'model', 'mode', 'requestHash', 'responseHash', 'price', 'timestamp', 'signature'],
} as const

/** A receipt id in a path (`/v1/receipts/:id`, `/v1/receipts/:id/settlement`). */
export const receiptIdParamsSchema = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^0x[0-9a-fA-F]{64}$' } },
  required: ['id'],
} as const

export const modelListSchema = {
  type: 'object',
  properties: {
    object: { type: 'string' },
    data: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' }, object: { type: 'string' }, created: { type: 'integer' }, owned_by: { type: 'string' },
          haca: { type: 'object', properties: { kind: { type: 'string' }, price: { type: 'string' }, mode: { type: 'string' } } },
        },
      },
    },
  },
} as const

export const healthSchema = {
  type: 'object',
  properties: { ok: { type: 'boolean' }, node: { type: 'string' }, mode: { type: 'string' }, executionProvider: { type: 'string' }, running: { type: 'integer' }, queued: { type: 'integer' } },
} as const

export const metricsTextSchema = { type: 'string', description: 'Prometheus text exposition format' } as const

export const attestationQuerySchema = {
  type: 'object',
  properties: { nonce: { type: 'string', pattern: '^(0x)?([0-9a-fA-F]{2}){0,64}$' } },
} as const

export const attestationSchema = {
  type: 'object',
  properties: { kind: { type: 'string' }, document: { type: 'string' }, signingKey: { type: 'string' }, hpkePublicKey: { type: 'string' }, address: { type: 'string' }, mode: { type: 'string' } },
  required: ['kind', 'document', 'signingKey', 'address'],
} as const

/** What this node knows of a receipt's settlement (refusals; the ledger knows what settled). */
export const settlementStatusSchema = {
  type: 'object',
  properties: { status: { type: 'string' }, reason: { type: 'string' }, receiptId: { type: 'string' } },
  required: ['status', 'receiptId'],
} as const

/** An OpenAI-shaped answer (chat completion or legacy completion), passed through as the provider made it. */
export const openaiAnswerSchema = { type: 'object', additionalProperties: true } as const

const messageSchema = {
  type: 'object',
  properties: { role: { type: 'string', enum: ['system', 'developer', 'user', 'assistant', 'tool', 'function'] } },
  required: ['role'],
} as const

export const chatBodySchema = {
  type: 'object',
  properties: {
    model: { type: 'string', minLength: 1, maxLength: 256 },
    messages: { type: 'array', items: messageSchema, minItems: 1 },
    stream: { type: 'boolean' },
  },
  required: ['model', 'messages'],
} as const

export const completionBodySchema = {
  type: 'object',
  properties: {
    model: { type: 'string', minLength: 1, maxLength: 256 },
    prompt: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 1 }] },
    stream: { type: 'boolean' },
    max_tokens: { type: 'integer', minimum: 1 },
    stop: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }, { type: 'null' }] },
  },
  required: ['model', 'prompt'],
} as const
