/** ONNX inference through a node over HTTP, with a real model built by src/onnx/build.ts. */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { closeSync, openSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { buildMlpModel, runMlpReference } from '../src/onnx/build.ts'
import { generatePrivateKey } from '../src/core/keys.ts'
import { createInferenceNode, type InferenceNode } from '../src/nodes/inference/node.ts'
import { FileModelSource } from '../src/nodes/inference/models/modelSource.ts'
import { OpenAIProvider } from '../src/nodes/inference/providers/openaiProvider.ts'
import { hashRequest } from '../src/protocol/canonicalJson.ts'
import { receiptFromHex, verifyReceipt } from '../src/protocol/receipt.ts'
import { base64Tensor } from '../src/protocol/tensor.ts'

const MLP = { inputSize: 4, hiddenSize: 8, outputSize: 3, seed: 1 }
let dir: string
let node: InferenceNode
let url: string
const silent = createServer(() => {})

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'haca-onnx-'))
  await writeFile(join(dir, 'mlp.onnx'), buildMlpModel(MLP))
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  node = await createInferenceNode({
    privateKey: generatePrivateKey(),
    receiptDir: join(dir, 'receipts'),
    models: new FileModelSource([{ id: 'mlp', path: join(dir, 'mlp.onnx'), price: 7n }]),
    providers: [{ provider: new OpenAIProvider({ name: 'silent', baseURL: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1`, apiKey: 'x', timeoutMs: 400 }), models: ['hang'], price: 1n }],
    maxConcurrent: 1,
    maxQueue: 1,
  })
  url = await node.listen({ host: '127.0.0.1', port: 0 })
})

after(async () => {
  await node?.close()
  silent.closeAllConnections()
  silent.close()
  await rm(dir, { recursive: true, force: true })
})

type ErrorJson = { error: { message: string; code: string } }

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

test('the node runs the model, matches the reference, and signs a receipt over the exact bytes', async () => {
  const input = [0.5, -1, 0.25, 2, 1, 1, -0.5, 0.125]
  const body = { model: 'mlp', inputs: { input: { dims: [2, 4], type: 'float32', data: input } } }
  const res = await post('/v1/infer', body)
  assert.equal(res.status, 200)
  const text = await res.text()
  const out = JSON.parse(text)
  assert.deepEqual(out.outputs.output.dims, [2, 3])
  assert.equal(out.outputs.output.type, 'float32')
  assert.deepEqual(out.outputs.output.data, Array.from(runMlpReference(Float32Array.from(input), MLP)))
  const receipt = receiptFromHex(res.headers.get('x-haca-receipt') ?? '')
  const result = verifyReceipt(receipt, { node: node.address, requestHash: hashRequest(body), responseHash: `0x${createHash('sha256').update(text).digest('hex')}`, model: 'mlp', mode: 'vanilla' })
  assert.deepEqual(result, { ok: true, signer: node.address })
  assert.equal(receipt.price, 7n)
  // Same input, same output bytes (pinned threads and optimisation level).
  const again = await (await post('/v1/infer', body)).text()
  assert.equal(again, text)
})

test('a wrong input name, type, shape or size is a 400 that says which', async () => {
  const cases: [unknown, RegExp][] = [
    [{ inputs: { wrong: { dims: [1, 4], type: 'float32', data: [1, 2, 3, 4] } } }, /input "wrong": the model has no such input \(it takes "input"\)/],
    [{ inputs: { input: { dims: [1, 4], type: 'int32', data: [1, 2, 3, 4] } } }, /input "input": type int32, the model wants float32/],
    [{ inputs: { input: { dims: [4], type: 'float32', data: [1, 2, 3, 4] } } }, /input "input": rank 1/],
    [{ inputs: { input: { dims: [1, 5], type: 'float32', data: [1, 2, 3, 4, 5] } } }, /input "input": dimension 1 is 5, the model wants 4/],
    [{ inputs: { input: { dims: [1, 4], type: 'float32', data: [1, 2, 3] } } }, /input "input": 3 values for dims \[1,4\] \(which hold 4\)/],
    [{ inputs: { input: { dims: [1, 4], type: 'float32', data: [1, 2, 3, 'x'] } } }, /input "input": data\[3\] is not a number/],
    [{ inputs: { input: { dims: [1, 4], type: 'complex', data: [] } } }, /body\/inputs\/input\/type must be equal to one of the allowed values/],
  ]
  for (const [partial, message] of cases) {
    const res = await post('/v1/infer', { model: 'mlp', ...(partial as object) })
    assert.equal(res.status, 400)
    const body = (await res.json()) as ErrorJson
    assert.match(body.error.message, message)
  }
  const unknown = await post('/v1/infer', { model: 'nope', inputs: { input: { dims: [1, 4], type: 'float32', data: [1, 2, 3, 4] } } })
  assert.equal(unknown.status, 404)
  assert.match(((await unknown.json()) as ErrorJson).error.message, /model "nope" is not served/)
  const mode = await post('/v1/infer', { model: 'mlp', mode: 'zkml', inputs: { input: { dims: [1, 4], type: 'float32', data: [1, 2, 3, 4] } } })
  assert.equal(mode.status, 400)
  assert.match(((await mode.json()) as ErrorJson).error.message, /mode "vanilla", not "zkml"/)
})

test('an input sent as base64 of its bytes gives the same output bytes as the same values as JSON numbers', async () => {
  const input = [0.5, -1, 0.25, 2, 1, 1, -0.5, 0.1]
  const asJson = await post('/v1/infer', { model: 'mlp', inputs: { input: { dims: [2, 4], type: 'float32', data: input } } })
  const b64 = base64Tensor({ type: 'float32', dims: [2, 4], data: Float32Array.from(input) })
  const body = { model: 'mlp', inputs: { input: b64 } }
  const asBase64 = await post('/v1/infer', body)
  assert.equal(asBase64.status, 200)
  const text = await asBase64.text()
  assert.equal(text, await asJson.text())
  // The receipt signs the request as sent: its canonical JSON, the base64 text included.
  const receipt = receiptFromHex(asBase64.headers.get('x-haca-receipt') ?? '')
  assert.deepEqual(verifyReceipt(receipt, { node: node.address, requestHash: hashRequest(body), model: 'mlp' }), { ok: true, signer: node.address })
  assert.notEqual(receipt.requestHash, hashRequest({ model: 'mlp', inputs: { input: { dims: [2, 4], type: 'float32', data: input } } }))

  const refused: [string, RegExp][] = [
    [base64Tensor({ type: 'float32', dims: [6], data: Float32Array.from(input.slice(0, 6)) }).data, /input "input": 6 values for dims \[2,4\] \(which hold 8\)/],
    [b64.data.slice(0, -1), /data is not base64: its length 43 is not a multiple of 4/],
    [`${b64.data.slice(0, -4)}AA==`, /data is 31 bytes, not a whole number of float32 values \(4 bytes each\)/],
    [`${b64.data.slice(0, 8)}!${b64.data.slice(9)}`, /data is not base64 \(standard alphabet/],
    [b64.data.replace(/\//g, '_').replace(/\+/g, '-').slice(0, -4) + '_-_=', /data is not base64 \(standard alphabet/],
  ]
  for (const [data, message] of refused) {
    const res = await post('/v1/infer', { model: 'mlp', inputs: { input: { ...b64, data } } })
    assert.equal(res.status, 400, data)
    assert.match(((await res.json()) as ErrorJson).error.message, message)
  }
})

test('a full queue answers 429 with Retry-After, and the node recovers', async () => {
  const hang = () => post('/v1/chat/completions', { model: 'hang', messages: [{ role: 'user', content: 'x' }] })
  const answers = await Promise.all([hang(), hang(), hang(), hang()])
  const statuses = answers.map((r) => r.status).sort()
  assert.deepEqual(statuses, [429, 429, 504, 504])
  const refused = answers.find((r) => r.status === 429)
  assert.ok(refused)
  assert.equal(refused.headers.get('retry-after'), '1')
  assert.equal(((await refused.json()) as ErrorJson).error.code, 'overloaded')
  const ok = await post('/v1/infer', { model: 'mlp', inputs: { input: { dims: [1, 4], type: 'float32', data: [1, 2, 3, 4] } } })
  assert.equal(ok.status, 200)
})

test('when the receipt log cannot write, answers are withheld (500) and healthz reports 503', async () => {
  const broken = await createInferenceNode({
    privateKey: generatePrivateKey(),
    receiptDir: join(dir, 'receipts-broken'),
    models: new FileModelSource([{ id: 'mlp', path: join(dir, 'mlp.onnx'), price: 7n }]),
    logger: false,
  })
  const brokenUrl = await broken.listen({ host: '127.0.0.1', port: 0 })
  try {
    // Take the log's file away from under it, as a failing disk would: every write now errors.
    const log = broken.context.receipts as unknown as { fd: number }
    closeSync(log.fd)
    log.fd = openSync('/dev/null', 'r')
    const res = await fetch(`${brokenUrl}/v1/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mlp', inputs: { input: { dims: [1, 4], type: 'float32', data: [1, 2, 3, 4] } } }) })
    assert.equal(res.status, 500)
    assert.equal(res.headers.get('x-haca-receipt'), null)
    const body = (await res.json()) as ErrorJson
    assert.equal(body.error.code, 'internal_error')
    assert.doesNotMatch(body.error.message, /receipts|EBADF|\//, 'no internals in a 5xx')
    const health = await fetch(`${brokenUrl}/healthz`)
    assert.equal(health.status, 503)
    assert.equal(((await health.json()) as { ok: boolean }).ok, false)
  } finally {
    await broken.close().catch(() => {})
  }
})

test('onnx.executionProvider: "cuda" runs on CUDA or the node does not start; "auto" falls back to the CPU and says so', async () => {
  const { cudaUnavailableReason, ExecutionProviderUnavailableError } = await import('../src/nodes/inference/runtimes/executionProvider.ts')
  const reason = await cudaUnavailableReason()
  const models = new FileModelSource([{ id: 'mlp', path: join(dir, 'mlp.onnx'), price: 7n }])
  const start = (executionProvider: 'cuda' | 'auto', name: string) => createInferenceNode({ privateKey: generatePrivateKey(), receiptDir: join(dir, name), models, onnx: { executionProvider } })
  const expected = reason === null ? 'cuda' : 'cpu'
  if (reason === null) {
    const cuda = await start('cuda', 'receipts-cuda')
    await cuda.close()
  } else {
    await assert.rejects(start('cuda', 'receipts-cuda'), (err: unknown) => {
      assert.ok(err instanceof ExecutionProviderUnavailableError)
      assert.equal(err.code, 'execution_provider_unavailable')
      assert.match(err.message, /"cuda" was asked for but cannot run here: .+\(use "cpu", or "auto"/)
      return true
    })
  }
  const auto = await start('auto', 'receipts-auto')
  try {
    const autoUrl = await auto.listen({ host: '127.0.0.1', port: 0 })
    const health = (await (await fetch(`${autoUrl}/healthz`)).json()) as { executionProvider: string }
    assert.equal(health.executionProvider, expected)
    const input = [0.5, -1, 0.25, 2]
    const res = await fetch(`${autoUrl}/v1/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'mlp', inputs: { input: { dims: [1, 4], type: 'float32', data: input } } }) })
    assert.equal(res.status, 200)
    const out = (await res.json()) as { outputs: { output: { data: number[] } } }
    const want = Array.from(runMlpReference(Float32Array.from(input), MLP))
    out.outputs.output.data.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-5))
  } finally {
    await auto.close()
  }
  assert.equal((await (await fetch(`${url}/healthz`)).json() as { executionProvider: string }).executionProvider, 'cpu', 'the default is the CPU')
})
