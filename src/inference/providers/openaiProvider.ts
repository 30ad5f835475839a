/** Any OpenAI-compatible server (OpenAI, vLLM, llama.cpp server, Ollama) through the official `openai` client. */
import OpenAI from 'openai'
import { httpFetch } from './httpFetch.ts'
import { type ChatChunk, type ChatProvider, type ChatRequest, type ChatResponse, type ChatStreamRequest, mapSdkError } from './chatProvider.ts'

export type OpenAIProviderOptions = { name: string; baseURL?: string; apiKey: string; timeoutMs?: number }

export class OpenAIProvider implements ChatProvider {
  readonly name: string
  private readonly client: OpenAI

  constructor({ name, baseURL, apiKey, timeoutMs = 60_000 }: OpenAIProviderOptions) {
    this.name = name
    // Retries belong to the SDK's node selection (another node), not to this hop.
    this.client = new OpenAI({ apiKey, baseURL, timeout: timeoutMs, maxRetries: 0, fetch: httpFetch })
  }

  async chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> {
    try {
      return await this.client.chat.completions.create({ ...request, stream: false }, { signal })
    } catch (err) {
      throw mapSdkError(this.name, err, OpenAI)
    }
  }

  async *chatStream(request: ChatStreamRequest, signal?: AbortSignal): AsyncIterable<ChatChunk> {
    try {
      const stream = await this.client.chat.completions.create({ ...request, stream: true }, { signal })
      for await (const chunk of stream) yield chunk
    } catch (err) {
      throw mapSdkError(this.name, err, OpenAI)
    }
  }
}
