/**
 * The SDK against nodes that stall after their headers: a stream that goes quiet mid-answer
 * ends with a NodeStreamStalledError (and its socket is closed); a stream or a plain answer
 * that stalls before anything usable arrived is left for the next node, whose receipt verifies.
 * The stalling nodes are real HTTP servers on loopback.
 */
import { after, before, test } from 'node:test'
import { startChatStandIn, startMlpChatNode } from './helpers/inferenceNode.ts'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { LLMock } from '@copilotkit/aimock'
import { addressOf, generatePrivateKey } from '../src/core/keys.ts'
import type { InferenceNode } from '../src/nodes/inference/node.ts'
import { AllNodesFailedError, HacaClient, NodeTimeoutError, verifyReceipt } from '../src/index.ts'
import { NodeStreamStalledError } from '../src/client/errors.ts'

const MESSAGES = [{ role: 'user' as const, content: 'hello' }]
const INPUTS = { input: { dims: [1, 4], type: 'float32' as const, data: [1, 2, 3, 4] } }

let dir: string
let mock: LLMock
let good: InferenceNode
let goodUrl: string

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'haca-client-stalls-'))
  mock = await startChatStandIn()
  ;({ node: good, url: goodUrl } = await startMlpChatNode({ dir, mock, mlpSeed: 3, mlpPrice: 5n, chatPrice: 100n }))
})

after(async () => {
  await good?.close().catch(() => {})
  await mock?.stop()
  await rm(dir, { recursive: true, force: true })
})

/** Fails fast instead of hanging until the runner's timeout when the SDK waits forever. */
async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} still pending after ${ms} ms`)), ms) })
  try {
    return await Promise.race([work, late])
  } finally {
    clearTimeout(timer)
  }
}

function chunkEvent(content: string): string {
  return `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-test', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`
}

type StallingNode = {
  url: string
  /** Inference requests received. */
  requests: number
  /** Resolves when the client has closed the connection of an inference request. */
  closed: Promise<number>
  stop(): void
}

/**
 * A node that lists `gpt-test` and `mlp` at price 0 (so it is tried first) and answers every
 * inference with `answer`, which never ends the response.
 */
async function stallingNode(answer: (req: IncomingMessage, res: ServerResponse, body: { stream?: boolean }) => void): Promise<StallingNode> {
  let onClosed: (at: number) => void = () => {}
  const node: StallingNode = { url: '', requests: 0, closed: new Promise((resolve) => { onClosed = resolve }), stop: () => {} }
  const server: Server = createServer((req, res) => {
    if (req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [
        { id: 'gpt-test', haca: { kind: 'chat', price: '0', mode: 'vanilla' } },
        { id: 'mlp', haca: { kind: 'onnx', price: '0', mode: 'vanilla' } },
      ] }))
      return
    }
    node.requests++
    res.on('close', () => onClosed(performance.now()))
    const parts: Buffer[] = []
    req.on('data', (part: Buffer) => parts.push(part))
    req.on('end', () => answer(req, res, JSON.parse(Buffer.concat(parts).toString('utf8')) as { stream?: boolean }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  node.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  node.stop = () => {
    server.closeAllConnections()
    server.close()
  }
  return node
}

// Generous against timer jitter on a loaded 2-vCPU machine; the slow relay below sends every quarter of IDLE_MS.
const IDLE_MS = 1000
const DEADLINE_MS = 1500

function clientFor(urls: { url: string; address: string }[], options: { timeoutMs: number; streamIdleTimeoutMs?: number }): HacaClient {
  return new HacaClient({ nodes: urls, ...options })
}

test('a stream that stalls after two chunks throws NodeStreamStalledError within the idle timeout and closes the socket', async () => {
  const stalling = await stallingNode((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' })
    res.write(chunkEvent('Hel'))
    setTimeout(() => res.write(chunkEvent('lo')), 20)
    // …and nothing more: no [DONE], no receipt, no end.
  })
  try {
    const client = clientFor([{ url: stalling.url, address: addressOf(generatePrivateKey()) }], { timeoutMs: 5000, streamIdleTimeoutMs: IDLE_MS })
    const stream = await within(5000, 'create', client.chat.completions.create({ model: 'gpt-test', messages: MESSAGES, stream: true }))
    assert.equal(stream.node.url, stalling.url)
    let text = ''
    let lastChunkAt = 0
    const failure = await within(5000, 'the stalled stream', (async () => {
      try {
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta?.content ?? ''
          lastChunkAt = performance.now()
        }
      } catch (err) {
        return { err, at: performance.now() }
      }
      return { err: undefined, at: performance.now() }
    })())
    assert.equal(text, 'Hello', 'both chunks reached the caller before the stall')
    assert.ok(failure.err instanceof NodeStreamStalledError, `expected NodeStreamStalledError, got ${String(failure.err)}`)
    assert.equal(failure.err.node, stalling.url)
    assert.equal(failure.err.chunks, 2)
    assert.equal(failure.err.idleMs, IDLE_MS)
    assert.equal(failure.err.code, 'node_stream_stalled')
    assert.match(failure.err.message, new RegExp(`^node ${stalling.url.replace(/[.]/g, '\\.')}/? stalled mid-stream after 2 chunks: no data for ${IDLE_MS} ms`))
    const waited = failure.at - lastChunkAt
    assert.ok(waited >= IDLE_MS - 10 && waited < IDLE_MS + 2000, `the stall was reported ${waited.toFixed(0)} ms after the last chunk`)
    assert.equal(stream.receipt, undefined)
    // The request was aborted: the node sees its connection close.
    const closedAt = await within(2000, 'the server-side close', stalling.closed)
    assert.ok(closedAt - failure.at < 1000)
  } finally {
    stalling.stop()
  }
})

test('a stream that keeps sending slower than the idle timeout in total, but never quiet for it, completes with a verified receipt', async () => {
  // A relay to the good node that holds every event back a quarter of the idle limit: the bytes (and so the receipt) are the node's.
  const target = new URL(goodUrl)
  let events = 0
  const relay = createServer((req, res) => {
    if (req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'gpt-test', haca: { kind: 'chat', price: '100', mode: 'vanilla' } }] }))
      return
    }
    const up = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, async (upRes) => {
      res.writeHead(upRes.statusCode ?? 500, upRes.headers)
      let text = ''
      for await (const part of upRes) text += String(part)
      for (const event of text.split(/(?<=\n\n)/)) {
        await sleep(IDLE_MS / 4)
        events++
        res.write(event)
      }
      res.end()
    })
    req.pipe(up)
  })
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve))
  try {
    const relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`
    const client = clientFor([{ url: relayUrl, address: good.address }], { timeoutMs: 5000, streamIdleTimeoutMs: IDLE_MS })
    const started = performance.now()
    const stream = await within(10_000, 'create', client.chat.completions.create({ model: 'gpt-test', messages: MESSAGES, stream: true }))
    let text = ''
    await within(10_000, 'the slow stream', (async () => { for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '' })())
    assert.equal(text, 'Hi there, friend!')
    assert.ok(events >= 5, `the relay sent ${events} events`)
    assert.ok(performance.now() - started > IDLE_MS, 'the whole stream took longer than the idle timeout')
    assert.ok(stream.receipt)
    assert.equal(verifyReceipt(stream.receipt, { node: good.address }).ok, true)
  } finally {
    relay.closeAllConnections()
    relay.close()
  }
})

test('a stream that stalls before its first chunk is left for the next node, whose answer and receipt verify', async () => {
  const stalling = await stallingNode((_req, res) => {
    // Headers, then silence.
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' })
    res.flushHeaders()
  })
  try {
    const client = clientFor([{ url: stalling.url, address: addressOf(generatePrivateKey()) }, { url: goodUrl, address: good.address }], { timeoutMs: 5000, streamIdleTimeoutMs: IDLE_MS })
    const started = performance.now()
    const stream = await within(5000, 'create', client.chat.completions.create({ model: 'gpt-test', messages: MESSAGES, stream: true }))
    const elapsed = performance.now() - started
    assert.equal(stalling.requests, 1, 'the stalling node (price 0) was tried first')
    assert.equal(stream.node.url, goodUrl)
    assert.ok(elapsed >= IDLE_MS - 10 && elapsed < IDLE_MS + 4000, `failed over after ${elapsed.toFixed(0)} ms`)
    let text = ''
    await within(5000, 'the good stream', (async () => { for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '' })())
    assert.equal(text, 'Hi there, friend!')
    assert.ok(stream.receipt)
    assert.equal(stream.receipt.node, good.address)
    assert.equal(verifyReceipt(stream.receipt, { node: good.address }).ok, true)
    await within(2000, 'the server-side close', stalling.closed)

    // With no other node, the stall is what the client reports.
    const alone = clientFor([{ url: stalling.url, address: addressOf(generatePrivateKey()) }], { timeoutMs: 5000, streamIdleTimeoutMs: IDLE_MS })
    await assert.rejects(within(5000, 'create', alone.chat.completions.create({ model: 'gpt-test', messages: MESSAGES, stream: true })), (err: unknown) => {
      assert.ok(err instanceof AllNodesFailedError, String(err))
      assert.equal(err.attempts.length, 1)
      assert.match(err.attempts[0].error, new RegExp(`stalled before its first chunk: no data for ${IDLE_MS} ms`))
      return true
    })
  } finally {
    stalling.stop()
  }
})

test('a plain answer (chat or infer) whose body stalls after its headers is left at the deadline for the next node', async () => {
  const stalling = await stallingNode((_req, res) => {
    // Headers and half a body, then silence.
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': '1000' })
    res.write('{"id":"x","choices":[')
  })
  try {
    const client = clientFor([{ url: stalling.url, address: addressOf(generatePrivateKey()) }, { url: goodUrl, address: good.address }], { timeoutMs: DEADLINE_MS })
    let started = performance.now()
    const chat = await within(5000, 'chat', client.chat.completions.create({ model: 'gpt-test', messages: MESSAGES }))
    let elapsed = performance.now() - started
    assert.equal(stalling.requests, 1, 'the stalling node (price 0) was tried first')
    assert.ok(elapsed >= DEADLINE_MS - 10 && elapsed < DEADLINE_MS + 3500, `failed over after ${elapsed.toFixed(0)} ms`)
    assert.equal(chat.choices[0].message.content, 'Hi there, friend!')
    assert.equal(chat.haca.node, goodUrl)
    assert.equal(verifyReceipt(chat.haca.receipt, { node: good.address }).ok, true)
    await within(2000, 'the server-side close', stalling.closed)

    // A fresh client (no failure history), so the stalling node is tried first again.
    const onnxClient = clientFor([{ url: stalling.url, address: addressOf(generatePrivateKey()) }, { url: goodUrl, address: good.address }], { timeoutMs: DEADLINE_MS })
    started = performance.now()
    const inferred = await within(5000, 'infer', onnxClient.infer({ model: 'mlp', inputs: INPUTS }))
    elapsed = performance.now() - started
    assert.equal(stalling.requests, 2)
    assert.ok(elapsed >= DEADLINE_MS - 10 && elapsed < DEADLINE_MS + 3500, `failed over after ${elapsed.toFixed(0)} ms`)
    assert.equal(inferred.node.url, goodUrl)
    assert.equal(verifyReceipt(inferred.receipt, { node: good.address }).ok, true)

    // Alone, the stalled body is a timeout that names the node.
    const alone = clientFor([{ url: stalling.url, address: addressOf(generatePrivateKey()) }], { timeoutMs: DEADLINE_MS })
    await assert.rejects(within(5000, 'chat', alone.chat.completions.create({ model: 'gpt-test', messages: MESSAGES })), (err: unknown) => {
      assert.ok(err instanceof AllNodesFailedError, String(err))
      assert.equal(err.attempts[0].node, stalling.url)
      assert.equal(err.attempts[0].error, new NodeTimeoutError({ node: stalling.url, timeoutMs: DEADLINE_MS }).shortMessage)
      return true
    })
  } finally {
    stalling.stop()
  }
})
