/** Anthropic's Messages API, presented in the OpenAI chat shape (see anthropicTranslate.ts). */
import Anthropic from '@anthropic-ai/sdk'
import { httpFetch } from '../../core/http/httpFetch.ts'
import { type ChatChunk, type ChatProvider, type ChatRequest, type ChatResponse, type ChatStreamRequest, mapSdkError } from './chatProvider.ts'
import { AnthropicStreamTranslator, fromAnthropicMessage, toAnthropicRequest } from './anthropicTranslate.ts'

export type AnthropicProviderOptions = { name: string; baseURL?: string; apiKey: string; timeoutMs?: number }

export class AnthropicProvider implements ChatProvider {
  readonly name: string
  private readonly client: Anthropic

  constructor({ name, baseURL, apiKey, timeoutMs = 60_000 }: AnthropicProviderOptions) {
    this.name = name
    this.client = new Anthropic({ apiKey, baseURL, timeout: timeoutMs, maxRetries: 0, fetch: httpFetch })
  }

  async chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> {
    const body = toAnthropicRequest(this.name, request)
    try {
      return fromAnthropicMessage(await this.client.messages.create(body, { signal }))
    } catch (err) {
      throw mapSdkError(this.name, err, Anthropic)
    }
  }

  async *chatStream(request: ChatStreamRequest, signal?: AbortSignal): AsyncIterable<ChatChunk> {
    const body = toAnthropicRequest(this.name, request)
    const translator = new AnthropicStreamTranslator()
    try {
      const stream = await this.client.messages.create({ ...body, stream: true }, { signal })
      for await (const event of stream) for (const chunk of translator.translate(event)) yield chunk
    } catch (err) {
      throw mapSdkError(this.name, err, Anthropic)
    }
  }
}
