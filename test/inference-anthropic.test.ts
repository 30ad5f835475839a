/**
 * An inference node in front of a real HTTP server on loopback that speaks Anthropic's Messages
 * API, driven over HTTP by the official `openai` client: the Anthropic adapter's fault mapping
 * (upstream 5xx, 429, a silent upstream, a stream or a body that stalls after its headers) and
 * the translation seen from both ends.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import OpenAI from 'openai'
import { generatePrivateKey } from '../src/core/keys.ts'
import { createInferenceNode, type InferenceNode } from '../src/nodes/inference/node.ts'
import { AnthropicProvider, deadlineFetch } from '../src/nodes/inference/providers/anthropicProvider.ts'
import { ProviderError } from '../src/nodes/inference/providers/chatProvider.ts'

/** The provider timeout under test: short, so a stall shows within a test's time. */
// Generous against timer jitter on a loaded 2-vCPU machine: the trickle below sends every quarter of it.
const TIMEOUT_MS = 1000

type MessagesBody = { model: string; stream?: boolean; messages: { role: string; content: { type: string; text?: string }[] }[]; [k: string]: unknown }

const message = (text: string) => ({
  id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-test', content: [{ type: 'text', text }],
  stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 12, output_tokens: 4 },
})
const event = (res: ServerResponse, value: { type: string }) => res.write(`event: ${value.type}\ndata: ${JSON.stringify(value)}\n\n`)
const startStream = (res: ServerResponse, text: string) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  event(res, { type: 'message_start', message: { ...message(''), content: [], stop_reason: null, usage: { input_tokens: 12, output_tokens: 1 } } } as { type: string })
  event(res, { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } as { type: string })
  event(res, { type: 'ping' })
  event(res, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } } as { type: string })
}

const seen: MessagesBody[] = []
/** Resolvers for the next stalled exchanges' upstream connections closing. */
const stalledClosed: (() => void)[] = []

// The Messages API on loopback; what it does is picked by the last user message's text.
const upstream = createServer((req, res) => {
  let text = ''
  req.on('data', (c) => { text += c })
  req.on('end', () => {
    const body = JSON.parse(text) as MessagesBody
    seen.push(body)
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(value))
    const apiError = (status: number, type: string, msg: string, headers?: Record<string, string>) => json(status, { type: 'error', error: { type, message: msg } }, headers)
    switch (body.messages.at(-1)?.content[0]?.text) {
      case 'hello':
        if (!body.stream) return json(200, message('Hi from Claude'))
        startStream(res, 'Hi from Claude')
        event(res, { type: 'content_block_stop', index: 0 } as { type: string })
        event(res, { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 4 } } as { type: string })
        event(res, { type: 'message_stop' })
        return res.end()
      case 'trickle': {
        // A delta every quarter timeout, about twice the timeout in all: slow, but never silent that long.
        startStream(res, 'a')
        let n = 0
        const next = setInterval(() => {
          if (++n < 8) return void event(res, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'a' } } as { type: string })
          clearInterval(next)
          event(res, { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 4 } } as { type: string })
          event(res, { type: 'message_stop' })
          res.end()
        }, TIMEOUT_MS / 4)
        return
      }
      case 'broken': return apiError(500, 'api_error', 'Internal server error')
      case 'overloaded': return apiError(529, 'overloaded_error', 'Overloaded')
      case 'limited': return apiError(429, 'rate_limit_error', 'Number of requests has exceeded your rate limit', { 'retry-after': '7' })
      case 'silent': return // headers never come
      case 'stall': {
        const closed = stalledClosed.shift()
        if (closed) req.socket.once('close', closed)
        if (body.stream) return startStream(res, 'partial') // then nothing more
        res.writeHead(200, { 'content-type': 'application/json' })
        return res.write('{"id":"msg_1","type":"message",') // then nothing more
      }
      default: return apiError(400, 'invalid_request_error', 'unexpected test message')
    }
  })
})

let node: InferenceNode
let dir: string
let client: OpenAI

before(async () => {
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  dir = await mkdtemp(join(tmpdir(), 'haca-anthropic-'))
  node = await createInferenceNode({
    privateKey: generatePrivateKey(),
    receiptDir: join(dir, 'receipts'),
    providers: [{
      provider: new AnthropicProvider({ name: 'an', baseURL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, apiKey: 'sk-ant-secret', timeoutMs: TIMEOUT_MS }),
      models: ['claude-test'],
      price: 1n,
    }],
    // One slot and no queue: a request that holds its slot past its failure makes the next one a 429.
    maxConcurrent: 1,
    maxQueue: 0,
  })
  const url = await node.listen({ host: '127.0.0.1', port: 0 })
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 })
})

after(async () => {
  await node?.close()
  upstream.closeAllConnections()
  upstream.close()
  await rm(dir, { recursive: true, force: true })
})

const say = (content: string) => ({ model: 'claude-test', messages: [{ role: 'user' as const, content }] })
/** A guard for calls that, broken, would hang: the test fails instead of waiting on the runner's timeout. */
const guard = () => ({ signal: AbortSignal.timeout(TIMEOUT_MS + 5000) })
const apiError = (status: number, code: string, pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof OpenAI.APIError, String(err))
  assert.equal(err.status, status)
  assert.equal((err.error as { code?: string } | undefined)?.code, code)
  assert.match(err.message, pattern)
  assert.doesNotMatch(err.message, /sk-ant/)
  return true
}
const answersHello = async () => {
  const res = await client.chat.completions.create(say('hello'), guard())
  assert.equal(res.choices[0].message.content, 'Hi from Claude')
}

test('upstream 5xx answers (500, 529 overloaded) are 502s', async () => {
  await assert.rejects(client.chat.completions.create(say('broken'), guard()), apiError(502, 'upstream_error', /provider "an": answered 500/))
  await assert.rejects(client.chat.completions.create(say('overloaded'), guard()), apiError(502, 'upstream_error', /provider "an": answered 529/))
  await assert.rejects(client.chat.completions.create({ ...say('broken'), stream: true }, guard()), apiError(502, 'upstream_error', /answered 500/))
  await answersHello()
})

test('an upstream 429 is the node\'s 429 (rate_limit_error), as on the OpenAI path', async () => {
  await assert.rejects(client.chat.completions.create(say('limited'), guard()), apiError(429, 'upstream_rate_limited', /provider "an": is rate limiting this node/))
  await assert.rejects(client.chat.completions.create({ ...say('limited'), stream: true }, guard()), apiError(429, 'upstream_rate_limited', /rate limiting/))
  await answersHello()
})

test('an upstream that sends no headers within the timeout is a 504, plain and streaming', async () => {
  for (const stream of [false, true]) {
    const started = performance.now()
    await assert.rejects(client.chat.completions.create({ ...say('silent'), stream }, guard()), apiError(504, 'upstream_timeout', /provider "an": timed out/))
    assert.ok(performance.now() - started < TIMEOUT_MS + 1000, 'within the timeout')
  }
  await answersHello()
})

test('a stream that stalls after it starts ends with an error within the timeout; its slot and upstream connection are freed', async () => {
  const closed = new Promise<void>((resolve) => stalledClosed.push(resolve))
  let got = ''
  const started = performance.now()
  await assert.rejects(async () => {
    for await (const chunk of await client.chat.completions.create({ ...say('stall'), stream: true }, guard())) got += chunk.choices[0]?.delta?.content ?? ''
  }, (err: unknown) => {
    assert.ok(err instanceof OpenAI.APIError, String(err))
    assert.match(err.message, /provider "an": timed out/)
    return true
  })
  const took = performance.now() - started
  assert.equal(got, 'partial', 'what arrived before the stall was streamed')
  assert.ok(took >= TIMEOUT_MS - 50 && took < TIMEOUT_MS + 1000, `ended ${Math.round(took)} ms in`)
  await closed // the node closed its upstream connection
  await answersHello() // and the node's only slot is free again
  const metrics = await (await fetch(new URL('/metrics', client.baseURL))).text()
  assert.match(metrics, /haca_inference_errors_total\{route="\/v1\/chat\/completions",code="upstream_timeout"\} 1\n/)
})

test('a client that leaves mid-stream ends the upstream call at once, and the cut answer gets no receipt', async () => {
  const receipts = async () => Number(/haca_inference_receipts_total (\d+)/.exec(await (await fetch(new URL('/metrics', client.baseURL))).text())?.[1] ?? 0)
  const before = await receipts()
  const closed = new Promise<void>((resolve) => stalledClosed.push(resolve))
  const leave = new AbortController()
  const res = await fetch(new URL('chat/completions', `${client.baseURL}/`), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...say('stall'), stream: true }), signal: leave.signal })
  const reader = res.body!.getReader()
  assert.match(Buffer.from((await reader.read()).value ?? []).toString(), /^data: /)
  const left = performance.now()
  leave.abort()
  await closed
  assert.ok(performance.now() - left < TIMEOUT_MS / 2, 'the upstream connection closed well before the timeout')
  await new Promise((resolve) => setTimeout(resolve, 300))
  assert.equal(await receipts(), before, 'no receipt for an answer cut short')
  await answersHello()
})

test('a slow stream is not a stalled one: the limit is on silence, not on the whole stream', async () => {
  let got = ''
  const started = performance.now()
  for await (const chunk of await client.chat.completions.create({ ...say('trickle'), stream: true }, guard())) got += chunk.choices[0]?.delta?.content ?? ''
  assert.equal(got, 'a'.repeat(8))
  assert.ok(performance.now() - started > TIMEOUT_MS * 1.5, 'it ran past the timeout in all')
})

test('a plain answer whose body stalls after the headers is a 504 within the timeout', async () => {
  const closed = new Promise<void>((resolve) => stalledClosed.push(resolve))
  const started = performance.now()
  await assert.rejects(client.chat.completions.create(say('stall'), guard()), apiError(504, 'upstream_timeout', /provider "an": timed out/))
  assert.ok(performance.now() - started < TIMEOUT_MS + 1000, 'within the timeout')
  await closed
  await answersHello()
})

test('sampling parameters reach the Messages API; a stream asked for usage ends with an OpenAI usage chunk', async () => {
  const res = await client.chat.completions.create({ ...say('hello'), temperature: 0.2, top_p: 0.9 }, guard())
  assert.equal(res.choices[0].message.content, 'Hi from Claude')
  assert.deepEqual(res.usage, { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 })
  assert.equal(seen.at(-1)?.temperature, 0.2)
  assert.equal(seen.at(-1)?.top_p, 0.9)

  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = []
  for await (const chunk of await client.chat.completions.create({ ...say('hello'), stream: true, stream_options: { include_usage: true } }, guard())) chunks.push(chunk)
  assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'Hi from Claude')
  assert.equal('stream_options' in (seen.at(-1) ?? {}), false, 'stream_options is not an Anthropic field')
  const last = chunks.at(-1)
  assert.deepEqual(last?.choices, [])
  assert.deepEqual(last?.usage, { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 })
  assert.ok(chunks.slice(0, -1).every((c) => c.usage === null), 'the other chunks carry usage: null')

  const plain: OpenAI.Chat.Completions.ChatCompletionChunk[] = []
  for await (const chunk of await client.chat.completions.create({ ...say('hello'), stream: true }, guard())) plain.push(chunk)
  assert.ok(plain.every((c) => c.choices.length === 1 && c.usage === undefined), 'no usage unless asked for')
})

test('the deadline holds over any fetch: over the built-in one, whose body the SDK\'s timer never covers', async () => {
  const timed = deadlineFetch({ provider: 'an', timeoutMs: TIMEOUT_MS, fetch: globalThis.fetch })
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1/messages`
  const post = (content: string, stream: boolean) => timed(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-test', stream, messages: [{ role: 'user', content: [{ type: 'text', text: content }] }] }) })
  const timedOut = (err: unknown) => err instanceof ProviderError && err.status === 504 && err.message === 'provider "an": timed out'

  let started = performance.now()
  await assert.rejects(post('stall', false), timedOut, 'a plain body that stalls')
  assert.ok(performance.now() - started < TIMEOUT_MS + 1000)

  started = performance.now()
  const res = await post('stall', true)
  assert.equal(res.status, 200)
  await assert.rejects(res.text(), timedOut, 'a stream that stalls')
  assert.ok(performance.now() - started < TIMEOUT_MS + 1000)

  assert.equal(await (await post('hello', false)).json().then((m) => (m as { content: { text: string }[] }).content[0].text), 'Hi from Claude')
})
