/**
 * A lean client for an OpenAI-compatible `POST {baseURL}/chat/completions`: a JSON body out,
 * a JSON answer or an SSE stream of chunks back, over the shared keep-alive agents.
 *
 * It replaces the official `openai` package inside the node. The SDK's per-call machinery
 * (header building, retry bookkeeping, the fetch/web-stream bridge, response wrapping) cost
 * ~0.5 ms a call on loopback, half of the node's 1 ms added-latency budget; this path is
 * one http.request and one JSON.parse (bench/inference.ts, BENCHMARKS.md). The node needs
 * none of the SDK's extras: it never retries (the client SDK moves to another node), and it
 * passes the request through as the caller sent it.
 *
 * Failures come out as ProviderError: a timeout is 504, an upstream status is mapped by
 * {@link providerErrorForStatus}, a refused or dropped connection is 502. The API key goes
 * only into the Authorization header, never into an error.
 */
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http'
import type { Readable } from 'node:stream'
import { urlToHttpOptions } from 'node:url'
import zlib from 'node:zlib'
import type { ChatChunk, ChatRequest, ChatResponse, ChatStreamRequest } from '../../../protocol/chat.ts'
import { ProviderError, providerErrorForStatus } from './chatProvider.ts'
import { transportFor } from '../../../core/http/keepAliveAgents.ts'
import { sseData } from './sseData.ts'

export type ChatCompletionsClientOptions = {
  /** The provider's configured name, for error messages. */
  provider: string
  /** Default `https://api.openai.com/v1`. */
  baseURL?: string
  /** Sent as `Authorization: Bearer <key>`; none is sent when empty (local servers). */
  apiKey: string
  /** A plain call must finish within this; a stream must start within it and never go this long without a byte. */
  timeoutMs: number
}

/**
 * One request in flight: its status, its (decoded) body, and the means to keep its timer alive
 * or end it. `finish({ complete: true })` after the answer's last event lets the rest of the
 * body (the chunked-encoding terminator, usually already on its way) drain, so the connection
 * goes back to the pool; otherwise an unread body is cut off.
 */
type Exchange = { status: number; body: Readable; touch(): void; finish(how?: { complete: boolean }): void }

/** How long the end of a stream may lag its `[DONE]` before the connection is closed instead of reused. */
const DRAIN_AFTER_DONE_MS = 1000

export class ChatCompletionsClient {
  private readonly provider: string
  /** Protocol, host, port and path, worked out once rather than from a URL on every call. */
  private readonly target: RequestOptions
  private readonly transport: NonNullable<ReturnType<typeof transportFor>>
  private readonly authorization: string | undefined
  private readonly timeoutMs: number

  constructor({ provider, baseURL = 'https://api.openai.com/v1', apiKey, timeoutMs }: ChatCompletionsClientOptions) {
    this.provider = provider
    const url = new URL(`${baseURL.replace(/\/+$/, '')}/chat/completions`)
    const transport = transportFor(url.protocol)
    if (!transport) throw new ProviderError({ provider, status: 502, reason: `base URL protocol ${url.protocol} is not http or https` })
    this.target = urlToHttpOptions(url)
    this.transport = transport
    this.authorization = apiKey ? `Bearer ${apiKey}` : undefined
    this.timeoutMs = timeoutMs
  }

  /** A non-streaming completion. */
  async create(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> {
    const exchange = await this.send({ ...request, stream: false }, signal)
    try {
      const text = await readText(exchange.body)
      if (exchange.status < 200 || exchange.status >= 300) throw this.statusError(exchange.status, text)
      try {
        return JSON.parse(text) as ChatResponse
      } catch (err) {
        throw new ProviderError({ provider: this.provider, status: 502, reason: 'answered with a body that is not JSON', cause: err })
      }
    } catch (err) {
      throw this.toProviderError(err, 'dropped the connection mid-answer')
    } finally {
      exchange.finish()
    }
  }

  /** A streaming completion: the chunks up to `data: [DONE]` (or the end of the stream). */
  async *stream(request: ChatStreamRequest, signal?: AbortSignal): AsyncGenerator<ChatChunk> {
    const exchange = await this.send(request, signal)
    let complete = false
    try {
      if (exchange.status < 200 || exchange.status >= 300) throw this.statusError(exchange.status, await readText(exchange.body))
      // Leaving the loop must not destroy the body: after [DONE] its end is drained, keeping the socket.
      for await (const data of sseData(exchange.body.iterator({ destroyOnReturn: false }))) {
        exchange.touch()
        if (data === '[DONE]') {
          complete = true
          return
        }
        const chunk = parseChunk(data)
        if (chunk === null) throw new ProviderError({ provider: this.provider, status: 502, reason: 'sent a stream event that is not JSON' })
        const error = (chunk as { error?: { message?: unknown } }).error
        if (error) throw new ProviderError({ provider: this.provider, status: 502, reason: `failed mid-stream: ${String(error.message ?? 'unknown error').split('\n')[0].slice(0, 300)}` })
        yield chunk
      }
    } catch (err) {
      throw this.toProviderError(err, 'dropped the connection mid-stream')
    } finally {
      exchange.finish({ complete })
    }
  }

  /** Sends the request; resolves with the response head, the body still to read. */
  private send(body: unknown, signal: AbortSignal | undefined): Promise<Exchange> {
    const payload = JSON.stringify(body)
    const headers: Record<string, string | number> = { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(payload) }
    if (this.authorization) headers.authorization = this.authorization
    const { agent, request } = this.transport
    return new Promise<Exchange>((resolve, reject) => {
      let response: Readable | null = null
      let incoming: IncomingMessage | null = null
      // Ends the exchange with `err`: before the response, the request errors with it; after, the body does.
      const fail = (err: Error) => {
        if (response) {
          response.destroy(err)
          if (incoming !== response) incoming?.destroy()
        } else req.destroy(err)
      }
      const timer = setTimeout(() => fail(new ProviderError({ provider: this.provider, status: 504, reason: 'timed out' })), this.timeoutMs)
      const onAbort = () => fail(new ProviderError({ provider: this.provider, status: 502, reason: 'request aborted', cause: signal?.reason }))
      const endEarly = () => fail(new ProviderError({ provider: this.provider, status: 502, reason: 'request ended early' }))
      const finish = (how?: { complete: boolean }) => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        if (!response || response.readableEnded) return
        const body = response
        // Nobody reads this body any more: a failure now only means the socket is not reused
        // (unheard, a decompressor's error would be re-emitted with no listener and crash the node).
        body.on('error', () => {})
        // A body left unread (an early return) must not leave its socket half-read in the pool.
        if (!how?.complete) return endEarly()
        const late = setTimeout(endEarly, DRAIN_AFTER_DONE_MS)
        body.once('end', () => clearTimeout(late))
        body.once('error', () => clearTimeout(late))
        body.resume()
      }
      const req: ClientRequest = request({ ...this.target, method: 'POST', headers, agent }, (res) => {
        incoming = res
        response = decoded(res)
        resolve({ status: res.statusCode ?? 0, body: response, touch: () => timer.refresh(), finish })
      })
      req.on('error', (err) => {
        finish()
        reject(this.toProviderError(err, 'unreachable'))
      })
      if (signal?.aborted) return onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })
      req.end(payload)
    })
  }

  private statusError(status: number, text: string): ProviderError {
    return providerErrorForStatus(this.provider, status, errorMessageOf(text))
  }

  /** Connection-level failures (refused, reset, DNS, dropped) are 502: the node's upstream is at fault. */
  private toProviderError(err: unknown, what: string): ProviderError {
    if (err instanceof ProviderError) return err
    const message = err instanceof Error ? err.message : String(err)
    return new ProviderError({ provider: this.provider, status: 502, reason: `${what}: ${message.split('\n')[0].slice(0, 300)}`, cause: err })
  }
}

/** The body as the server meant it: servers may compress even unasked. */
function decoded(res: IncomingMessage): Readable {
  const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase()
  const decoder = encoding === 'gzip' ? zlib.createGunzip() : encoding === 'deflate' ? zlib.createInflate() : encoding === 'br' ? zlib.createBrotliDecompress() : null
  if (!decoder) return res
  res.on('error', (err) => decoder.destroy(err))
  return res.pipe(decoder)
}

/** The whole body as text; with events rather than async iteration, which costs more per call than the parsing. */
function readText(body: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    body.on('data', (part: Buffer) => parts.push(part))
    body.on('end', () => resolve((parts.length === 1 ? parts[0] : Buffer.concat(parts)).toString('utf8')))
    body.on('error', reject)
  })
}

function parseChunk(data: string): ChatChunk | null {
  try {
    return JSON.parse(data) as ChatChunk
  } catch {
    return null
  }
}

/** The OpenAI error shape's message (`{ error: { message } }`), else the body's text. */
function errorMessageOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown }
    if (typeof parsed.error === 'string') return parsed.error
    if (parsed.error && typeof parsed.error.message === 'string') return parsed.error.message
    if (typeof parsed.message === 'string') return parsed.message
  } catch {
    // Not JSON: the text itself.
  }
  return text
}
