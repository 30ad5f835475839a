/**
 * Any OpenAI-compatible server (OpenAI, vLLM, llama.cpp server, Ollama), through the node's
 * lean chat-completions client (chatCompletionsClient.ts says why not the official SDK here).
 */
import type { ChatChunk, ChatRequest, ChatResponse, ChatStreamRequest } from '../../../protocol/chat.ts'
import { type ChatProvider } from './chatProvider.ts'
import { ChatCompletionsClient } from './chatCompletionsClient.ts'

export type OpenAIProviderOptions = { name: string; baseURL?: string; apiKey: string; timeoutMs?: number }

export class OpenAIProvider implements ChatProvider {
  readonly name: string
  private readonly client: ChatCompletionsClient

  constructor({ name, baseURL, apiKey, timeoutMs = 60_000 }: OpenAIProviderOptions) {
    this.name = name
    // No retries on this hop: retrying belongs to the SDK's node selection (another node).
    this.client = new ChatCompletionsClient({ provider: name, baseURL, apiKey, timeoutMs })
  }

  chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> {
    return this.client.create(request, signal)
  }

  chatStream(request: ChatStreamRequest, signal?: AbortSignal): AsyncIterable<ChatChunk> {
    return this.client.stream(request, signal)
  }
}
