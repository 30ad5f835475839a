/**
 * An inference node in front of a real OpenAI/Anthropic-speaking HTTP server on loopback
 * (aimock), driven by the official `openai` client, plain and streaming, tool calls included.
 */
import { after, before, test } from 'node:test'
import { startChatStandIn } from './helpers/inferenceNode.ts'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import { Writable } from 'node:stream'
import type { AddressInfo } from 'node:net'
import OpenAI from 'openai'
import type { LLMock } from '@copilotkit/aimock'
import { generatePrivateKey } from '../src/core/keys.ts'
import { createInferenceNode, type InferenceNode } from '../src/nodes/inference/node.ts'
import { LOG_REDACT_PATHS } from '../src/nodes/inference/server/app.ts'
import { OpenAIProvider } from '../src/nodes/inference/providers/openaiProvider.ts'
import { AnthropicProvider } from '../src/nodes/inference/providers/anthropicProvider.ts'
import { hashRequest } from '../src/protocol/canonicalJson.ts'
import { type ReceiptJson, receiptFromHex, receiptFromJson, verifyReceipt } from '../src/protocol/receipt.ts'
import type { Hex } from '../src/core/bytes.ts'
import type { ChatProvider } from '../src/nodes/inference/providers/chatProvider.ts'

let mock: LLMock
let node: InferenceNode
let url: string
let dir: string
let client: OpenAI
// A peer that accepts requests and never answers: the provider timeout must fire.
const silent = createServer(() => {})
// A peer that starts a stream, sends one chunk, then drops the connection.
const cutting = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'partial' }, finish_reason: null }] })}\n\n`)
  setTimeout(() => res.destroy(), 20)
})

// A peer that takes requests and never answers, reporting each one and when its connection
// closes: a client that goes away must end the node's upstream call too.
const hangingSeen: Array<() => void> = []
const hangingClosed: Array<() => void> = []
const hanging = createServer((req) => {
  hangingSeen.shift()?.()
  req.socket.once('close', () => hangingClosed.shift()?.())
})
// A peer that sends one chunk and then nothing: a client may leave mid-stream.
const oneChunkThenSilence = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'first' }, finish_reason: null }] })}\n\n`)
  res.once('close', () => hangingClosed.shift()?.())
})
// A provider with a bug: its failures are not ProviderErrors (a crash inside one request).
const broken: ChatProvider = {
  name: 'broken',
  chat: async () => { throw new TypeError("Cannot read properties of undefined (reading 'choices')") },
  chatStream: async function* () { yield* []; throw new TypeError('stream bug') },
}

const weatherTool = { type: 'function' as const, function: { name: 'get_weather', description: 'weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }

before(async () => {
  mock = await startChatStandIn((m) => {
    m.onMessage('weather', { toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}', id: 'call_1' }] })
    m.onMessage('limited', { content: 'x' }, { chaos: { rateLimitRate: 1 } })
    m.onMessage('cutoff', { content: 'x' }, { chaos: { disconnectRate: 1 } })
  })
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  await new Promise<void>((resolve) => cutting.listen(0, '127.0.0.1', resolve))
  await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve))
  await new Promise<void>((resolve) => oneChunkThenSilence.listen(0, '127.0.0.1', resolve))
  const silentPort = (silent.address() as AddressInfo).port
  dir = await mkdtemp(join(tmpdir(), 'haca-node-'))
  node = await createInferenceNode({
    privateKey: generatePrivateKey(),
    receiptDir: join(dir, 'receipts'),
    providers: [
      { provider: new OpenAIProvider({ name: 'oa', baseURL: `${mock.url}/v1`, apiKey: 'sk-secret-never-logged' }), models: ['gpt-test'], price: 100n },
      { provider: new AnthropicProvider({ name: 'an', baseURL: mock.url, apiKey: 'sk-ant-secret' }), models: ['claude-test'], price: 250n },
      { provider: new OpenAIProvider({ name: 'slowpoke', baseURL: `http://127.0.0.1:${silentPort}/v1`, apiKey: 'x', timeoutMs: 300 }), models: ['gpt-slow'], price: 1n },
      { provider: new OpenAIProvider({ name: 'nowhere', baseURL: 'http://127.0.0.1:9/v1', apiKey: 'x' }), models: ['gpt-down'], price: 1n },
      { provider: new OpenAIProvider({ name: 'cutter', baseURL: `http://127.0.0.1:${(cutting.address() as AddressInfo).port}/v1`, apiKey: 'x' }), models: ['gpt-cut'], price: 1n },
      { provider: new OpenAIProvider({ name: 'hanger', baseURL: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/v1`, apiKey: 'x', timeoutMs: 60_000 }), models: ['gpt-hang'], price: 1n },
      { provider: broken, models: ['gpt-broken'], price: 1n },
      { provider: new OpenAIProvider({ name: 'trickler', baseURL: `http://127.0.0.1:${(oneChunkThenSilence.address() as AddressInfo).port}/v1`, apiKey: 'x', timeoutMs: 60_000 }), models: ['gpt-one-chunk'], price: 1n },
    ],
  })
  url = await node.listen({ host: '127.0.0.1', port: 0 })
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 })
})

after(async () => {
  await node?.close()
  await mock?.stop()
  silent.closeAllConnections()
  silent.close()
  cutting.close()
  hanging.closeAllConnections()
  hanging.close()
  oneChunkThenSilence.closeAllConnections()
  oneChunkThenSilence.close()
  await rm(dir, { recursive: true, force: true })
})

for (const model of ['gpt-test', 'claude-test']) {
  test(`${model}: the openai client chats through the node; the receipt in the headers verifies`, async () => {
    const body = { model, messages: [{ role: 'user' as const, content: 'hello node' }] }
    const { data, response } = await client.chat.completions.create(body).withResponse()
    assert.equal(data.choices[0].message.content, 'Hi there, friend!')
    const receipt = receiptFromHex(response.headers.get('x-haca-receipt') ?? '')
    const raw = JSON.stringify(data)
    // openai parses the body; the receipt covers the exact bytes, which re-serialise identically here.
    const result = verifyReceipt(receipt, { node: node.address, requestHash: hashRequest(body), responseHash: `0x${createHash('sha256').update(raw).digest('hex')}`, model, mode: 'vanilla' })
    assert.deepEqual(result, { ok: true, signer: node.address })
    assert.equal(receipt.price, model === 'gpt-test' ? 100n : 250n)
    const stored = (await (await fetch(`${url}/v1/receipts/${receipt.id}`)).json()) as ReceiptJson
    assert.deepEqual(receiptFromJson(stored), receipt)
  })

  test(`${model}: streaming through the openai client, tool calls included; the final receipt event covers every byte`, async () => {
    const body = { model, messages: [{ role: 'user' as const, content: 'what is the weather in Paris' }], tools: [weatherTool], stream: true as const }
    const { data: stream, response } = await client.chat.completions.create(body).withResponse()
    let name = ''
    let args = ''
    let finish: string | null = null
    for await (const chunk of stream) {
      const d = chunk.choices[0]?.delta
      for (const call of d?.tool_calls ?? []) {
        name += call.function?.name ?? ''
        args += call.function?.arguments ?? ''
      }
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    assert.equal(name, 'get_weather')
    assert.deepEqual(JSON.parse(args), { city: 'Paris' })
    assert.equal(finish, 'tool_calls')
    const id = response.headers.get('x-haca-receipt-id')
    assert.match(id ?? '', /^0x[0-9a-f]{64}$/)

    // The same request over raw fetch: hash the bytes before the receipt event ourselves.
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const text = await res.text()
    const at = text.indexOf('event: haca.receipt\n')
    assert.ok(at > 0, 'a receipt event ends the stream')
    assert.ok(text.slice(0, at).endsWith('data: [DONE]\n\n'))
    const receipt = receiptFromJson(JSON.parse(text.slice(at).split('\n')[1].slice('data: '.length)))
    assert.equal(receipt.id, res.headers.get('x-haca-receipt-id'))
    const responseHash: Hex = `0x${createHash('sha256').update(text.slice(0, at)).digest('hex')}`
    assert.deepEqual(verifyReceipt(receipt, { node: node.address, requestHash: hashRequest(body), responseHash, model }), { ok: true, signer: node.address })
  })
}

test('non-streaming tool calls come back in the OpenAI shape from the Anthropic adapter', async () => {
  const res = await client.chat.completions.create({ model: 'claude-test', messages: [{ role: 'user', content: 'weather please' }], tools: [weatherTool] })
  const call = res.choices[0].message.tool_calls?.[0]
  assert.equal(res.choices[0].finish_reason, 'tool_calls')
  assert.ok(call && call.type === 'function')
  assert.equal(call.function.name, 'get_weather')
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' })
})

test('legacy completions, plain and streaming', async () => {
  const plain = await client.completions.create({ model: 'gpt-test', prompt: 'hello there' })
  assert.equal(plain.object, 'text_completion')
  assert.equal(plain.choices[0].text, 'Hi there, friend!')
  let text = ''
  for await (const chunk of await client.completions.create({ model: 'claude-test', prompt: 'hello there', stream: true })) text += chunk.choices[0]?.text ?? ''
  assert.equal(text, 'Hi there, friend!')
})

test('provider faults are clear 502/504 answers and the node keeps serving', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'gpt-slow', messages: [{ role: 'user', content: 'slow' }] }), (err: unknown) => {
    assert.ok(err instanceof OpenAI.APIError)
    assert.equal(err.status, 504)
    assert.match(err.message, /slowpoke.*timed out/)
    return true
  })
  await assert.rejects(client.chat.completions.create({ model: 'gpt-down', messages: [{ role: 'user', content: 'hello' }], stream: true }), (err: unknown) => {
    assert.ok(err instanceof OpenAI.APIError)
    assert.equal(err.status, 502)
    assert.match(err.message, /nowhere/)
    assert.doesNotMatch(err.message, /sk-/)
    return true
  })
  await assert.rejects(client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hello' }] }), (err: unknown) => err instanceof OpenAI.APIError && err.status === 404)
  const ok = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hello again' }] })
  assert.equal(ok.choices[0].message.content, 'Hi there, friend!')
})

test('upstream rate limits are 429s; a stream cut mid-way ends with an error event and no receipt', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'limited' }] }), (err: unknown) => err instanceof OpenAI.APIError && err.status === 429)
  await assert.rejects(client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'cutoff' }], stream: true }), (err: unknown) => err instanceof OpenAI.APIError && err.status === 502)
  let got = ''
  await assert.rejects(async () => {
    for await (const chunk of await client.chat.completions.create({ model: 'gpt-cut', messages: [{ role: 'user', content: 'hello' }], stream: true })) got += chunk.choices[0]?.delta?.content ?? ''
  }, (err: unknown) => err instanceof OpenAI.APIError && /cutter/.test(err.message))
  assert.equal(got, 'partial')
  const raw = await (await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-cut', messages: [{ role: 'user', content: 'hello' }], stream: true }) })).text()
  assert.doesNotMatch(raw, /haca\.receipt/)
  assert.match(raw, /"error":\{"message":"provider \\"cutter\\"/)
})

test('healthz, models and metrics', async () => {
  const health = (await (await fetch(`${url}/healthz`)).json()) as { ok: boolean; node: string }
  assert.equal(health.ok, true)
  assert.equal(health.node, node.address)
  const models = await client.models.list()
  assert.deepEqual(models.data.map((m) => m.id).sort(), ['claude-test', 'gpt-broken', 'gpt-cut', 'gpt-down', 'gpt-hang', 'gpt-one-chunk', 'gpt-slow', 'gpt-test'])
  const metrics = await (await fetch(`${url}/metrics`)).text()
  // 2 plain + 2 streaming via the openai client, 2 raw streams, 1 tool call, 1 after the faults, and the
  // 2 streams cut mid-way (their status line was already 200): each counted once.
  assert.match(metrics, /haca_inference_requests_total\{route="\/v1\/chat\/completions",status="200"\} 10\n/)
  assert.match(metrics, /haca_inference_errors_total\{route="\/v1\/chat\/completions",code="upstream_error"\} 2\n/)
  assert.match(metrics, /haca_inference_errors_total\{route="\/v1\/chat\/completions",code="504"\} 1/)
  assert.match(metrics, /haca_inference_runtime_duration_seconds_count\{runtime="oa",model="gpt-test"\} \d+/)
  assert.match(metrics, /haca_inference_receipts_total \d+/)
  // The latency histogram: cumulative buckets up to +Inf, whose count is every answered request.
  const buckets = [...metrics.matchAll(/^haca_inference_request_duration_seconds_bucket\{le="([^"]+)",route="\/v1\/chat\/completions"\} (\d+)$/gm)]
  assert.ok(buckets.length >= 5, 'latency buckets for the chat route')
  const counts = buckets.map((b) => Number(b[2]))
  assert.deepEqual(counts, [...counts].sort((a, b) => a - b), 'buckets are cumulative')
  assert.equal(buckets.at(-1)?.[1], '+Inf')
  const count = Number(/^haca_inference_request_duration_seconds_count\{route="\/v1\/chat\/completions"\} (\d+)$/m.exec(metrics)?.[1])
  assert.equal(counts.at(-1), count)
  assert.ok(count >= 10)
  assert.doesNotMatch(metrics, /sk-secret/)
})

test('provider keys never reach the logs, even at trace level and on upstream failures', async () => {
  let logged = ''
  const sink = new Writable({ write(chunk, _enc, cb) { logged += String(chunk); cb() } })
  const secret = 'sk-very-secret-key-123'
  const loud = await createInferenceNode({
    privateKey: generatePrivateKey(),
    receiptDir: join(dir, 'receipts-loud'),
    providers: [
      { provider: new OpenAIProvider({ name: 'down', baseURL: 'http://127.0.0.1:9/v1', apiKey: secret }), models: ['gpt-down'], price: 1n },
      { provider: new OpenAIProvider({ name: 'ok', baseURL: `${mock.url}/v1`, apiKey: secret }), models: ['gpt-test'], price: 1n },
    ],
    logger: { level: 'trace', stream: sink, redact: LOG_REDACT_PATHS },
  })
  try {
    const loudUrl = await loud.listen({ host: '127.0.0.1', port: 0 })
    const c = new OpenAI({ baseURL: `${loudUrl}/v1`, apiKey: secret, maxRetries: 0 })
    await assert.rejects(c.chat.completions.create({ model: 'gpt-down', messages: [{ role: 'user', content: 'hello' }] }))
    await c.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hello' }] })
  } finally {
    await loud.close()
  }
  assert.match(logged, /upstream failure/, 'the failure itself is logged')
  assert.doesNotMatch(logged, new RegExp(secret))
})

test('a stream\'s [DONE] leaves only once its receipt is in the log (clients stop reading at [DONE])', async () => {
  const log = node.context.receipts
  const append = log.append
  let release!: () => void
  const gate = new Promise<void>((resolve) => { release = resolve })
  let logged = false
  log.append = async function (this: typeof log, ...args: Parameters<typeof append>) {
    await gate
    await append.apply(this, args)
    logged = true
  }
  try {
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-test', messages: [{ role: 'user', content: 'hello stream' }], stream: true }) })
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
    let text = ''
    let loggedAtDone: boolean | undefined
    const readAll = (async () => {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        text += value
        if (loggedAtDone === undefined && text.includes('data: [DONE]')) loggedAtDone = logged
      }
    })()
    // Every chunk arrives while the receipt waits on the log; [DONE] does not.
    const deadline = Date.now() + 5000
    while (!text.includes('"finish_reason":"stop"') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    assert.match(text, /Hi there, friend!|"finish_reason":"stop"/)
    await new Promise((resolve) => setTimeout(resolve, 150))
    assert.doesNotMatch(text, /\[DONE\]/, '[DONE] waits for the receipt')
    release()
    await readAll
    assert.equal(loggedAtDone, true, 'the receipt was in the log when [DONE] arrived')
    assert.match(text, /data: \[DONE\]\n\nevent: haca\.receipt\n/)
    const id = res.headers.get('x-haca-receipt-id')
    assert.equal((await fetch(`${url}/v1/receipts/${id}`)).status, 200)
  } finally {
    log.append = append
    release()
  }
})

test('legacy completions carry receipts that verify, plain (headers) and streaming (final event)', async () => {
  const body = { model: 'claude-test', prompt: 'hello there' }
  const res = await fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const raw = await res.text()
  const receipt = receiptFromHex(res.headers.get('x-haca-receipt') ?? '')
  const responseHash: Hex = `0x${createHash('sha256').update(raw).digest('hex')}`
  assert.deepEqual(verifyReceipt(receipt, { node: node.address, requestHash: hashRequest(body), responseHash, model: 'claude-test' }), { ok: true, signer: node.address })
  assert.equal(receipt.price, 250n)

  const streamBody = { ...body, stream: true }
  const text = await (await fetch(`${url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(streamBody) })).text()
  const at = text.indexOf('event: haca.receipt\n')
  assert.ok(at > 0)
  assert.match(text.slice(0, at), /"object":"text_completion"/)
  const streamed = receiptFromJson(JSON.parse(text.slice(at).split('\n')[1].slice('data: '.length)))
  assert.deepEqual(verifyReceipt(streamed, { node: node.address, requestHash: hashRequest(streamBody), responseHash: `0x${createHash('sha256').update(text.slice(0, at)).digest('hex')}`, model: 'claude-test' }), { ok: true, signer: node.address })
  // A wrong response hash fails: the check can fail.
  assert.equal(verifyReceipt(streamed, { responseHash: `0x${createHash('sha256').update(text.slice(0, at - 1)).digest('hex')}` }).ok, false)
})

/** Chat-route error counts: the client's leaving (499 or its code) and upstream failures (502 or its code). */
async function errorCounts(): Promise<{ clientClosed: number; upstream: number }> {
  const metrics = await (await fetch(`${url}/metrics`)).text()
  const count = (code: string) => Number(new RegExp(`^haca_inference_errors_total\\{route="/v1/chat/completions",code="${code}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0)
  return { clientClosed: count('499') + count('client_closed_request'), upstream: count('502') + count('upstream_error') }
}

for (const stream of [false, true]) {
  test(`a client that goes away ends the node's upstream call (${stream ? 'streaming' : 'plain'})`, async () => {
    const errorsBefore = await errorCounts()
    const seen = new Promise<void>((resolve) => hangingSeen.push(resolve))
    const closed = new Promise<void>((resolve) => hangingClosed.push(resolve))
    const goAway = new AbortController()
    const answer = fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-hang', messages: [{ role: 'user', content: 'hello' }], stream }), signal: goAway.signal })
    answer.catch(() => {})
    await seen
    const started = Date.now()
    goAway.abort()
    // The provider's own timeout is a minute; the upstream connection must close long before.
    await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('the upstream call outlived its client')), 5000))])
    assert.ok(Date.now() - started < 5000)
    assert.equal((await fetch(`${url}/healthz`)).status, 200)
    await assertCountedOnceAsClientLeaving(errorsBefore)
  })
}

/** The client's leaving is counted once (checked again after a pause, for a late double count), and not as an upstream failure. */
async function assertCountedOnceAsClientLeaving(before: { clientClosed: number; upstream: number }): Promise<void> {
  let after = await errorCounts()
  for (let i = 0; i < 50 && after.clientClosed === before.clientClosed; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    after = await errorCounts()
  }
  await new Promise((resolve) => setTimeout(resolve, 200))
  after = await errorCounts()
  assert.equal(after.clientClosed, before.clientClosed + 1)
  assert.equal(after.upstream, before.upstream)
}

test('a client that leaves mid-stream ends the upstream call, counted once as its leaving', async () => {
  const errorsBefore = await errorCounts()
  const closed = new Promise<void>((resolve) => hangingClosed.push(resolve))
  const goAway = new AbortController()
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-one-chunk', messages: [{ role: 'user', content: 'hello' }], stream: true }), signal: goAway.signal })
  const reader = res.body!.getReader()
  assert.match(Buffer.from((await reader.read()).value ?? []).toString(), /"content":"first"/)
  goAway.abort()
  await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('the upstream call outlived its client')), 5000))])
  await assertCountedOnceAsClientLeaving(errorsBefore)
})

test('a request that crashes inside the node is a 500 (or an error event) without internals, and the node keeps serving', async () => {
  for (const stream of [false, true]) {
    const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-broken', messages: [{ role: 'user', content: 'hello' }], stream }) })
    const text = await res.text()
    if (!stream) {
      assert.equal(res.status, 500)
      assert.deepEqual(JSON.parse(text).error.code, 'internal_error')
    }
    assert.match(text, /internal error/)
    assert.doesNotMatch(text, /Cannot read properties|stream bug|TypeError/)
  }
  const ok = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'hello after a crash' }] })
  assert.equal(ok.choices[0].message.content, 'Hi there, friend!')
})

test('receipt lookups: an unknown id is a 404 that says how far back the node looks; a malformed id is a 400', async () => {
  const missing = await fetch(`${url}/v1/receipts/0x${'ab'.repeat(32)}`)
  assert.equal(missing.status, 404)
  const body = (await missing.json()) as { error: { code: string; message: string } }
  assert.equal(body.error.code, 'receipt_not_found')
  assert.match(body.error.message, /among this node's latest 100000 receipts/)
  assert.equal((await fetch(`${url}/v1/receipts/0x1234`)).status, 400)
})
