/**
 * LLM providers behind one interface, in the OpenAI chat-completions shape: the node's
 * OpenAI-compatible routes talk to every provider the same way, and provider-specific APIs
 * (Anthropic Messages) are translated inside their adapter.
 */
import { BaseError } from '../../../core/errors.ts'
import type { ChatChunk, ChatRequest, ChatResponse, ChatStreamRequest } from '../../../protocol/chat.ts'
import { ErrorCode } from '../../../protocol/errorCodes.ts'

export interface ChatProvider {
  /** The configured name, e.g. "openai" or "local-vllm". */
  readonly name: string
  chat(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse>
  chatStream(request: ChatStreamRequest, signal?: AbortSignal): AsyncIterable<ChatChunk>
}

/** A provider failure, mapped to the status the node answers with. */
export class ProviderError extends BaseError {
  override name = 'ProviderError' as const
  readonly status: 400 | 429 | 502 | 504
  readonly provider: string
  constructor({ provider, status, reason, cause }: { provider: string; status: 400 | 429 | 502 | 504; reason: string; cause?: unknown }) {
    super(`provider "${provider}": ${reason}`, {
      code: status === 504 ? ErrorCode.upstreamTimeout : status === 400 ? ErrorCode.upstreamRejected : status === 429 ? ErrorCode.upstreamRateLimited : ErrorCode.upstreamError,
      cause,
    })
    this.status = status
    this.provider = provider
  }
}

/**
 * The ProviderError for an upstream's HTTP status: the upstream refusing the request itself
 * (400, 422) is the caller's 400; the upstream's rate limit is 429; anything else (auth
 * failures, 5xx) is 502 — the node's upstream is at fault, not the caller.
 */
export function providerErrorForStatus(provider: string, status: number, message: string, cause?: unknown): ProviderError {
  // Upstream messages can quote the request but never our key; keep the first line only.
  const firstLine = message.split('\n')[0].slice(0, 300)
  if (status === 400 || status === 422) return new ProviderError({ provider, status: 400, reason: `rejected the request (${status}): ${firstLine}`, cause })
  if (status === 429) return new ProviderError({ provider, status: 429, reason: 'is rate limiting this node', cause })
  return new ProviderError({ provider, status: 502, reason: `answered ${status}`, cause })
}

type SdkErrorClasses = { APIError: abstract new (...args: never[]) => Error; APIConnectionTimeoutError: abstract new (...args: never[]) => Error }

/** Maps an official SDK's error to a ProviderError: timeouts are 504, statuses as {@link providerErrorForStatus}, connection errors 502. */
export function mapSdkError(provider: string, err: unknown, sdk: SdkErrorClasses): ProviderError {
  if (err instanceof ProviderError) return err
  if (err instanceof sdk.APIConnectionTimeoutError || (err instanceof Error && err.name === 'TimeoutError')) {
    return new ProviderError({ provider, status: 504, reason: 'timed out', cause: err })
  }
  if (err instanceof sdk.APIError) {
    const status = (err as Error & { status?: number }).status
    const message = String((err as Error).message)
    if (status === undefined) return new ProviderError({ provider, status: 502, reason: `unreachable: ${message.split('\n')[0].slice(0, 300)}`, cause: err })
    return providerErrorForStatus(provider, status, message, err)
  }
  return new ProviderError({ provider, status: 502, reason: err instanceof Error ? err.message.split('\n')[0] : String(err), cause: err })
}
