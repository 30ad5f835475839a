// The node's server through inject: the one error handler (4xx say what was wrong, 5xx say
// nothing internal), the plugins' declared dependencies, and the services closing with it.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import Fastify from 'fastify'
import { generatePrivateKey } from '../../../core/keys.ts'
import { type InferenceNode, createInferenceNode } from '../node.ts'
import type { ModelSource } from '../models/modelSource.ts'
import { inferRoutes } from '../routes/infer.ts'
import { settlementRoutes } from '../routes/settlement.ts'
import type { SettlementWorker } from '../settlement/worker.ts'
import type { ErrorBody } from './httpErrors.ts'

let dir: string
let node: InferenceNode
let logged = ''
const SECRET = '/var/secret/models/disk-7 failed: EIO'

/** A model source whose disk has failed: every lookup throws an error that names internals. */
const failingModels: ModelSource = {
  list() { throw new Error(SECRET) },
  async load() { throw new Error(SECRET) },
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'haca-inference-app-'))
  node = await createInferenceNode({
    privateKey: generatePrivateKey(),
    receiptDir: join(dir, 'receipts'),
    models: failingModels,
    logger: { level: 'warn', stream: new Writable({ write(chunk, _enc, cb) { logged += String(chunk); cb() } }) },
  })
})

after(async () => {
  await node.close()
  await rm(dir, { recursive: true, force: true })
})

const infer = (payload: unknown, headers: Record<string, string> = {}) =>
  node.app.inject({ method: 'POST', url: '/v1/infer', payload: payload as string, headers: { 'content-type': 'application/json', ...headers } })

test('4xx answers say what was wrong, in the OpenAI error shape', async () => {
  const invalid = await infer({ model: 'mlp', inputs: {} })
  assert.equal(invalid.statusCode, 400)
  assert.deepEqual(invalid.json(), { error: { message: 'body/inputs must NOT have fewer than 1 properties', type: 'invalid_request_error', code: 'invalid_request', param: null } })

  const extra = await infer({ model: 'mlp', inputs: { x: { dims: [1], type: 'float32', data: [1] } }, temperature: 1 })
  assert.equal(extra.statusCode, 400)
  assert.match((extra.json() as ErrorBody).error.message, /must NOT have additional properties/)

  const notJson = await infer('{"model": ')
  assert.equal(notJson.statusCode, 400)
  assert.equal((notJson.json() as ErrorBody).error.type, 'invalid_request_error')

  const wrongType = await node.app.inject({ method: 'POST', url: '/v1/infer', payload: '<x/>', headers: { 'content-type': 'application/xml' } })
  assert.equal(wrongType.statusCode, 415)
  assert.equal((wrongType.json() as ErrorBody).error.code, 'fst_err_ctp_invalid_media_type')

  const receipt = await node.app.inject({ method: 'GET', url: `/v1/receipts/0x${'ab'.repeat(32)}` })
  assert.equal(receipt.statusCode, 404)
  assert.equal((receipt.json() as ErrorBody).error.code, 'receipt_not_found')

  const badId = await node.app.inject({ method: 'GET', url: '/v1/receipts/0x12' })
  assert.equal(badId.statusCode, 400)
  assert.match((badId.json() as ErrorBody).error.message, /params\/id must match pattern/)

  const noTee = await node.app.inject({ method: 'GET', url: '/v1/attestation?nonce=0x01' })
  assert.equal(noTee.statusCode, 404)
  assert.equal((noTee.json() as ErrorBody).error.code, 'no_attestation')
})

test('5xx answers carry nothing internal; the log has the cause', async () => {
  for (const res of [await infer({ model: 'mlp', inputs: { x: { dims: [1], type: 'float32', data: [1] } } }), await node.app.inject({ method: 'GET', url: '/v1/models' })]) {
    assert.equal(res.statusCode, 500)
    assert.deepEqual(res.json(), { error: { message: 'internal error', type: 'server_error', code: 'internal_error', param: null } })
    assert.doesNotMatch(res.body, /secret|EIO|disk/)
  }
  assert.match(logged, /disk-7 failed/, 'the cause is logged for the operator')
})

test('a route plugin registered without the services it declares fails at start, naming them', async () => {
  const bare = Fastify({ logger: false })
  await assert.rejects(async () => { await bare.register(inferRoutes) }, (err: Error & { code?: string }) => {
    assert.equal(err.code, 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED')
    assert.match(err.message, /haca-node-context/)
    return true
  })
  await bare.close()
})

test('closing the node stops the server, then closes the receipt log', async () => {
  const other = await createInferenceNode({ privateKey: generatePrivateKey(), receiptDir: join(dir, 'receipts-close'), logger: false })
  const receipts = other.context.receipts
  assert.equal((await other.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
  assert.equal(receipts.healthy, true)
  await other.close()
  assert.equal(receipts.healthy, false, 'the receipt log is closed with the server')
})

test('the settlement route (added by settlement/fromConfig.ts) answers from the worker\'s refusals', async () => {
  const other = await createInferenceNode({ privateKey: generatePrivateKey(), receiptDir: join(dir, 'receipts-settlement'), logger: false })
  try {
    const refusedId = `0x${'ab'.repeat(32)}` as const
    const worker = { refused: new Map([[refusedId, 'channel closed']]) } as unknown as SettlementWorker
    await other.app.register(settlementRoutes, { worker })
    const refused = await other.app.inject({ method: 'GET', url: `/v1/receipts/0x${'AB'.repeat(32)}/settlement` })
    assert.deepEqual(refused.json(), { status: 'refused', reason: 'channel closed', receiptId: refusedId })
    const pending = await other.app.inject({ method: 'GET', url: `/v1/receipts/0x${'cd'.repeat(32)}/settlement` })
    assert.deepEqual(pending.json(), { status: 'pending', receiptId: `0x${'cd'.repeat(32)}` })
    const bad = await other.app.inject({ method: 'GET', url: '/v1/receipts/nope/settlement' })
    assert.equal(bad.statusCode, 400)
    assert.equal((bad.json() as ErrorBody).error.code, 'invalid_request')
  } finally {
    await other.close()
  }
})
