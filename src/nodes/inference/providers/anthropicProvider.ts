/** Anthropic's Messages API, presented in the OpenAI chat shape (see anthropicTranslate.ts). */
import Anthropic from '@anthropic-ai/sdk'
import { httpFetch } from '../../../core/http/httpFetch.ts'
import type { ChatChunk, ChatRequest, ChatResponse, ChatStreamRequest } from '../../../protocol/chat.ts'
import { type ChatProvider, ProviderError, mapSdkError } from './chatProvider.ts'
import { AnthropicStreamTranslator, fromAnthropicMessage, toAnthropicRequest } from './anthropicTranslate.ts'

export type AnthropicProviderOptions = {
  name: string
  baseURL?: string
  apiKey: string
  /** As for OpenAIProvider: a plain call must finish within this; a stream must start within it and never go this long without a byte. */
  timeoutMs?: number
}

/** The `fetch` the SDK takes. */
export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

export type DeadlineFetchParameters = {
  /** The provider's configured name, for the error. */
  provider: string
  timeoutMs: number
  /** The transport underneath; default {@link httpFetch}. */
  fetch?: Fetch
}

/**
 * A `fetch` that holds every call to the node's provider timeout, the rule chatCompletionsClient.ts
 * applies on the OpenAI-compatible path: a plain answer must be whole within `timeoutMs`; a stream
 * (`text/event-stream`) must start within it and never go that long without a byte. Past that the
 * call fails with the same ProviderError (504, "timed out") and its connection is closed.
 *
 * The SDK's own timer stops once the response headers are in, and nothing else watches the body
 * after that: without this, a stream that stalls mid-way never ends and holds a node slot until
 * the client gives up. (A plain body is covered by the SDK's timer only because {@link httpFetch}
 * happens to read it whole before it resolves; here it does not depend on that.)
 *
 * @example
 * const client = new Anthropic({ apiKey, timeout: 60_000, fetch: deadlineFetch({ provider: 'claude', timeoutMs: 60_000 }) })
 */
export function deadlineFetch({ provider, timeoutMs, fetch = httpFetch }: DeadlineFetchParameters): Fetch {
  return async (input, init = {}) => {
    const controller = new AbortController()
    const caller = init.signal
    const forward = () => controller.abort(caller?.reason)
    let timedOut: ProviderError | null = null
    // Until a stream's body is handed over, aborting is enough: the fetch or the body read rejects.
    let onTimeout = (err: ProviderError) => controller.abort(err)
    const timer = setTimeout(() => {
      timedOut = new ProviderError({ provider, status: 504, reason: 'timed out' })
      onTimeout(timedOut)
    }, timeoutMs)
    const release = () => {
      clearTimeout(timer)
      caller?.removeEventListener('abort', forward)
    }
    if (caller?.aborted) forward()
    else caller?.addEventListener('abort', forward, { once: true })
    try {
      const res = await fetch(input, { ...init, signal: controller.signal })
      const head = { status: res.status, statusText: res.statusText, headers: res.headers }
      if (!res.body) {
        release()
        return res
      }
      if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
        const body = await res.arrayBuffer()
        release()
        return new Response(body, head)
      }
      const reader = res.body.getReader()
      let ended = false
      const end = () => {
        ended = true
        release()
      }
      const body = new ReadableStream<Uint8Array>({
        start(stream) {
          onTimeout = (err) => {
            if (ended) return
            end()
            stream.error(err)
            controller.abort(err)
            reader.cancel(err).catch(() => {})
          }
        },
        async pull(stream) {
          let next: Awaited<ReturnType<typeof reader.read>>
          try {
            next = await reader.read()
          } catch (err) {
            if (ended) return
            end()
            throw err
          }
          if (ended) return
          if (next.done) {
            end()
            stream.close()
          } else {
            timer.refresh()
            stream.enqueue(next.value)
          }
        },
        cancel(reason) {
          if (!ended) end()
          return reader.cancel(reason)
        },
      })
      return new Response(body, head)
    } catch (err) {
      release()
      throw timedOut ?? err
    }
  }
}

export class AnthropicProvider implements ChatProvider {
  readonly name: string
  private readonly client: Anthropic

  constructor({ name, baseURL, apiKey, timeoutMs = 60_000 }: AnthropicProviderOptions) {
    this.name = name
    // The SDK's timeout too: it sets the timeout header, and without one it refuses long plain calls.
    this.client = new Anthropic({ apiKey, baseURL, timeout: timeoutMs, maxRetries: 0, fetch: deadlineFetch({ provider: name, timeoutMs }) })
  }

  async chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> {
    const body = toAnthropicRequest(this.name, request)
    try {
      return fromAnthropicMessage(await this.client.messages.create(body, { signal }))
    } catch (err) {
      throw this.failure(err, signal)
    }
  }

  async *chatStream(request: ChatStreamRequest, signal?: AbortSignal): AsyncIterable<ChatChunk> {
    const body = toAnthropicRequest(this.name, request)
    const translator = new AnthropicStreamTranslator({ includeUsage: request.stream_options?.include_usage === true })
    try {
      const stream = await this.client.messages.create({ ...body, stream: true }, { signal })
      for await (const event of stream) for (const chunk of translator.translate(event)) yield chunk
    } catch (err) {
      throw this.failure(err, signal)
    }
    // The SDK ends an aborted stream quietly; a cut answer must not pass for a whole one (and get a receipt).
    if (signal?.aborted) throw this.failure(null, signal)
  }

  /** As on the OpenAI-compatible path: the caller's abort is a 502 "request aborted", anything else {@link mapSdkError}. */
  private failure(err: unknown, signal: AbortSignal | undefined): ProviderError {
    if (signal?.aborted && !(err instanceof ProviderError)) return new ProviderError({ provider: this.name, status: 502, reason: 'request aborted', cause: signal.reason })
    return mapSdkError(this.name, err, Anthropic)
  }
}
