import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import { ChatCompletionsClient } from './chatCompletionsClient.ts'
import { ProviderError } from './chatProvider.ts'

const completion = { id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'hi', refusal: null }, finish_reason: 'stop', logprobs: null }] }
const chunk = (content: string) => ({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })
let seen: { headers: IncomingHttpHeaders; body: Record<string, unknown> } | undefined

// An upstream whose behaviour is picked by the request's first message.
const server = createServer((req, res) => {
  let text = ''
  req.on('data', (c) => { text += c })
  req.on('end', () => {
    const body = JSON.parse(text) as { messages: { content: string }[] }
    seen = { headers: req.headers, body }
    const json = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value))
    switch (body.messages[0].content) {
      case 'plain': return json(200, completion)
      case 'gzip': return res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(JSON.stringify(completion)))
      case 'bad': return json(422, { error: { message: 'messages[0] is wrong\nsecond line' } })
      case 'limited': return json(429, { error: { message: 'slow down' } })
      case 'broken': return json(500, { error: { message: 'oops' } })
      case 'hang': return
      case 'stream': {
        // Events split across writes at awkward places, CRLF line ends, a comment, then [DONE].
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write(': keep-alive\r\n\r\ndata: ')
        res.write(`${JSON.stringify(chunk('hé'))}\r\n\r\nda`)
        setTimeout(() => res.end(`ta: ${JSON.stringify(chunk('llo'))}\n\ndata: [DONE]\n\n`), 10)
        return
      }
      case 'stream-late-end': {
        // [DONE] now, the end of the response (the chunked terminator) a little later.
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write(`data: ${JSON.stringify(chunk('x'))}\n\ndata: [DONE]\n\n`)
        setTimeout(() => res.end(), 50)
        return
      }
      case 'stream-gzip-error': {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' })
        return res.end(gzipSync(`data: ${JSON.stringify(chunk('a'))}\n\ndata: ${JSON.stringify({ error: { message: 'model crashed' } })}\n\ndata: ${JSON.stringify(chunk('b'))}\n\n`))
      }
      case 'stream-gzip-long': {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' })
        return res.end(gzipSync(Array.from({ length: 50 }, (_, i) => `data: ${JSON.stringify(chunk(String(i)))}\n\n`).join('')))
      }
      case 'stream-error': {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        return res.end(`data: ${JSON.stringify(chunk('a'))}\n\ndata: ${JSON.stringify({ error: { message: 'model crashed' } })}\n\n`)
      }
      case 'stream-stall': {
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        return res.write(`data: ${JSON.stringify(chunk('a'))}\n\n`)
      }
    }
  })
})
let client: ChatCompletionsClient

const ask = (content: string) => ({ model: 'm', messages: [{ role: 'user' as const, content }] })
const providerError = (status: number, pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof ProviderError, String(err))
  assert.equal(err.status, status)
  assert.match(err.message, pattern)
  assert.doesNotMatch(err.message, /sk-test/)
  return true
}

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  client = new ChatCompletionsClient({ provider: 'up', baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`, apiKey: 'sk-test', timeoutMs: 300 })
})
after(() => {
  server.closeAllConnections()
  server.close()
})

test('posts the request as JSON with the bearer key and returns the parsed answer', async () => {
  assert.deepEqual(await client.create(ask('plain')), completion)
  assert.equal(seen?.headers.authorization, 'Bearer sk-test')
  assert.equal(seen?.body.stream, false)
  assert.deepEqual(await client.create(ask('gzip')), completion, 'a compressed answer is decoded')
})

test('upstream statuses map to 400, 429 and 502; a silent upstream to 504', async () => {
  await assert.rejects(client.create(ask('bad')), providerError(400, /^provider "up": rejected the request \(422\): messages\[0\] is wrong$/))
  await assert.rejects(client.create(ask('limited')), providerError(429, /rate limiting/))
  await assert.rejects(client.create(ask('broken')), providerError(502, /answered 500/))
  await assert.rejects(client.create(ask('hang')), providerError(504, /timed out/))
  const down = new ChatCompletionsClient({ provider: 'down', baseURL: 'http://127.0.0.1:9/v1', apiKey: 'sk-test', timeoutMs: 1000 })
  await assert.rejects(down.create(ask('plain')), providerError(502, /^provider "down": unreachable: .*ECONNREFUSED/))
  assert.deepEqual(await client.create(ask('plain')), completion, 'the client keeps working after failures')
})

test('streams chunks as they arrive, up to [DONE]', async () => {
  const got: string[] = []
  for await (const c of client.stream({ ...ask('stream'), stream: true })) got.push(c.choices[0].delta.content ?? '')
  assert.deepEqual(got, ['hé', 'llo'])
  assert.equal(seen?.body.stream, true)
})

test('a stream ends at [DONE] without waiting for the response to end, and its connection is reused', async () => {
  const sockets = new Set<unknown>()
  const track = (req: { socket: unknown }) => sockets.add(req.socket)
  server.on('request', track)
  try {
    for (let i = 0; i < 3; i++) {
      const started = performance.now()
      const got: string[] = []
      for await (const c of client.stream({ ...ask('stream-late-end'), stream: true })) got.push(c.choices[0].delta.content ?? '')
      assert.deepEqual(got, ['x'])
      assert.ok(performance.now() - started < 45, 'the answer is complete at [DONE]')
      await new Promise((resolve) => setTimeout(resolve, 80))
    }
  } finally {
    server.off('request', track)
  }
  assert.equal(sockets.size, 1, 'one keep-alive connection served all three streams')
})

test('a compressed stream left early (an error event, or a consumer that stops) fails that call only', async () => {
  const uncaught: unknown[] = []
  const record = (err: unknown) => uncaught.push(err)
  process.on('uncaughtException', record)
  try {
    await assert.rejects(async () => {
      for await (const _ of client.stream({ ...ask('stream-gzip-error'), stream: true })) { /* the error event ends it */ }
    }, providerError(502, /failed mid-stream: model crashed/))
    const got: string[] = []
    for await (const c of client.stream({ ...ask('stream-gzip-long'), stream: true })) {
      got.push(c.choices[0].delta.content ?? '')
      if (got.length === 3) break
    }
    assert.deepEqual(got, ['0', '1', '2'])
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.deepEqual(uncaught, [])
    assert.deepEqual(await client.create(ask('plain')), completion, 'the client keeps working')
  } finally {
    process.off('uncaughtException', record)
  }
})

test('a stream fails with 502 on an error event and 504 when it stalls', async () => {
  const got: string[] = []
  await assert.rejects(async () => {
    for await (const c of client.stream({ ...ask('stream-error'), stream: true })) got.push(c.choices[0].delta.content ?? '')
  }, providerError(502, /failed mid-stream: model crashed/))
  assert.deepEqual(got, ['a'])
  await assert.rejects(async () => {
    for await (const _ of client.stream({ ...ask('stream-stall'), stream: true })) { /* the first chunk arrives, then nothing */ }
  }, providerError(504, /timed out/))
})

test('an abort signal ends a call that gets no answer', async () => {
  const controller = new AbortController()
  const slow = new ChatCompletionsClient({ provider: 'up', baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, apiKey: '', timeoutMs: 10_000 })
  setTimeout(() => controller.abort(new Error('gave up')), 50)
  await assert.rejects(slow.create(ask('hang'), controller.signal), providerError(502, /request aborted/))
  assert.equal(seen?.headers.authorization, undefined, 'no key, no Authorization header')
})
