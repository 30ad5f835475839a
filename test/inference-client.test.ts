/**
 * The SDK against real nodes: routing by model, price and mode, failover when a node fails,
 * and receipt checks that catch a wrong signer or a tampered answer.
 */
import { after, before, test } from 'node:test'
import { startChatStandIn } from './helpers/inferenceNode.ts'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LLMock } from '@copilotkit/aimock'
import { buildMlpModel, runMlpReference } from '../src/onnx/build.ts'
import { addressOf, generatePrivateKey } from '../src/core/keys.ts'
import { createInferenceNode, type InferenceNode } from '../src/nodes/inference/node.ts'
import { FileModelSource } from '../src/nodes/inference/models/modelSource.ts'
import { OpenAIProvider } from '../src/nodes/inference/providers/openaiProvider.ts'
import { AllNodesFailedError, HacaClient, NoNodeAvailableError, ReceiptVerificationError, verifyReceipt } from '../src/index.ts'

let dir: string
let mock: LLMock
const nodes: InferenceNode[] = []
const urls: string[] = []
let tamper: Server

async function startNode(opts: { onnxPrice?: bigint; chatPrice: bigint; providerUrl: string }): Promise<{ node: InferenceNode; url: string }> {
  const node = await createInferenceNode({
    privateKey: generatePrivateKey(),
    receiptDir: join(dir, `receipts-${nodes.length}`),
    models: new FileModelSource(opts.onnxPrice === undefined ? [] : [{ id: 'mlp', path: join(dir, 'mlp.onnx'), price: opts.onnxPrice }]),
    providers: [{ provider: new OpenAIProvider({ name: 'mock', baseURL: opts.providerUrl, apiKey: 'k' }), models: ['gpt-test'], price: opts.chatPrice }],
  })
  const url = await node.listen({ host: '127.0.0.1', port: 0 })
  nodes.push(node)
  urls.push(url)
  return { node, url }
}

let cheapBroken: { node: InferenceNode; url: string }
let good: { node: InferenceNode; url: string }
let doomed: { node: InferenceNode; url: string }

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'haca-client-'))
  await writeFile(join(dir, 'mlp.onnx'), buildMlpModel({ seed: 3 }))
  mock = await startChatStandIn()
  // Cheapest for chat, but its provider is unreachable: 502, so the client must move on.
  cheapBroken = await startNode({ chatPrice: 1n, providerUrl: 'http://127.0.0.1:9/v1' })
  // Cheapest for ONNX, and will be shut down after discovery.
  doomed = await startNode({ onnxPrice: 1n, chatPrice: 1000n, providerUrl: `${mock.url}/v1` })
  good = await startNode({ onnxPrice: 5n, chatPrice: 100n, providerUrl: `${mock.url}/v1` })
  // A man in the middle that changes one word of every answer body but keeps the headers.
  const target = new URL(good.url)
  tamper = createServer((req, res) => {
    const up = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (upRes) => {
      const parts: Buffer[] = []
      upRes.on('data', (c: Buffer) => parts.push(c))
      upRes.on('end', () => {
        const body = Buffer.from(Buffer.concat(parts).toString('utf8').replace('friend', 'fiend'))
        const headers = { ...upRes.headers, 'content-length': String(body.length) }
        delete headers['transfer-encoding']
        res.writeHead(upRes.statusCode ?? 500, headers).end(body)
      })
    })
    req.pipe(up)
  })
  await new Promise<void>((resolve) => tamper.listen(0, '127.0.0.1', resolve))
})

after(async () => {
  for (const n of nodes) await n.close().catch(() => {})
  tamper?.close()
  await mock?.stop()
  await rm(dir, { recursive: true, force: true })
})

function clientFor(list: { url: string; node: InferenceNode }[]): HacaClient {
  return new HacaClient({ nodes: list.map((n) => ({ url: n.url, address: n.node.address })), timeoutMs: 5000 })
}

test('infer: picks the cheapest node, falls over when it is gone, and returns a verified receipt', async () => {
  const client = clientFor([cheapBroken, doomed, good])
  const input = [1, -2, 0.5, 0.25]
  const first = await client.infer({ model: 'mlp', inputs: { input: { dims: [1, 4], type: 'float32', data: input } } })
  assert.equal(first.node.url, doomed.url, 'the cheaper node is chosen first')
  assert.deepEqual(first.outputs.output.data, Array.from(runMlpReference(Float32Array.from(input), { seed: 3 })))
  assert.equal(first.receipt.price, 1n)
  assert.equal(verifyReceipt(first.receipt, { node: doomed.node.address }).ok, true)

  await doomed.node.close()
  const second = await client.infer({ model: 'mlp', inputs: { input: { dims: [1, 4], type: 'float32', data: input } } })
  assert.equal(second.node.url, good.url)
  assert.equal(second.receipt.node, good.node.address)
  assert.deepEqual(second.outputs, first.outputs)
})

test('chat: a failing upstream sends the client to the next node; plain and streaming answers carry verified receipts', async () => {
  const client = clientFor([cheapBroken, good])
  const res = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hello' }] })
  assert.equal(res.choices[0].message.content, 'Hi there, friend!')
  assert.equal(res.haca.node, good.url)
  assert.equal(res.haca.receipt.node, good.node.address)
  assert.equal(res.haca.receipt.price, 100n)

  const stream = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hello' }], stream: true })
  let text = ''
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
  assert.equal(text, 'Hi there, friend!')
  assert.ok(stream.receipt, 'the receipt is known once the stream has been read')
  assert.equal(stream.receipt.node, good.node.address)
})

test('a receipt signed by another key, or over a tampered answer, is an error naming the node', async () => {
  const impostor = new HacaClient({ nodes: [{ url: good.url, address: addressOf(generatePrivateKey()) }] })
  await assert.rejects(impostor.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hello' }] }), (err: unknown) => {
    assert.ok(err instanceof ReceiptVerificationError)
    assert.equal(err.check, 'node')
    assert.equal(err.node, good.url)
    assert.match(err.message, new RegExp(`node ${good.url.replace(/[.]/g, '\\.')}/? \\(0x`))
    return true
  })
  const tamperUrl = `http://127.0.0.1:${(tamper.address() as AddressInfo).port}`
  const fooled = new HacaClient({ nodes: [{ url: tamperUrl, address: good.node.address }] })
  await assert.rejects(fooled.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hello' }] }), (err: unknown) => {
    assert.ok(err instanceof ReceiptVerificationError)
    assert.equal(err.check, 'responseHash')
    assert.equal(err.node, tamperUrl)
    return true
  })
  await assert.rejects(async () => {
    for await (const _ of await fooled.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hello' }], stream: true })) { /* read to the end */ }
  }, (err: unknown) => err instanceof ReceiptVerificationError && err.check === 'responseHash')
})

test('no node for a mode, and every node failing, are distinct errors', async () => {
  const client = clientFor([good])
  await assert.rejects(client.infer({ model: 'mlp', mode: 'tee', inputs: { input: { dims: [1, 4], type: 'float32', data: [1, 2, 3, 4] } } }), NoNodeAvailableError)
  await assert.rejects(clientFor([cheapBroken]).chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hello' }] }), (err: unknown) => {
    assert.ok(err instanceof AllNodesFailedError)
    assert.equal(err.attempts.length, 1)
    assert.match(err.attempts[0].error, /502/)
    return true
  })
})

test('a node that hangs is abandoned at the deadline and the next node answers', async () => {
  // Lists the model at price 0 (so it is tried first) and never answers an inference.
  const hanging = createServer((req, res) => {
    if (req.url === '/v1/models') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'mlp', haca: { kind: 'onnx', price: '0', mode: 'vanilla' } }] }))
  })
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve))
  try {
    const hangingUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`
    const client = new HacaClient({ nodes: [{ url: hangingUrl, address: addressOf(generatePrivateKey()) }, { url: good.url, address: good.node.address }], timeoutMs: 300 })
    const started = performance.now()
    const res = await client.infer({ model: 'mlp', inputs: { input: { dims: [1, 4], type: 'float32', data: [1, 2, 3, 4] } } })
    assert.equal(res.node.url, good.url)
    assert.ok(performance.now() - started >= 300, 'the first node was given its full deadline')
    // The failed node is now tried last, so the next call goes straight to the good one.
    const again = performance.now()
    await client.infer({ model: 'mlp', inputs: { input: { dims: [1, 4], type: 'float32', data: [1, 2, 3, 4] } } })
    assert.ok(performance.now() - again < 300)
  } finally {
    hanging.closeAllConnections()
    hanging.close()
  }
})
