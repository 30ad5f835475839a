/**
 * Translation between the OpenAI chat-completions shape and Anthropic's Messages API, tool
 * calls included. Pure functions, so they can be tested without a server.
 */
import type Anthropic from '@anthropic-ai/sdk'
import type OpenAI from 'openai'
import type { ChatChunk, ChatRequest, ChatResponse } from '../../../protocol/chat.ts'
import { ProviderError } from './chatProvider.ts'

type OAMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam
type AMessage = Anthropic.Messages.MessageParam
type ABlock = Anthropic.Messages.ContentBlockParam

/** Anthropic requires max_tokens; OpenAI does not. */
export const DEFAULT_MAX_TOKENS = 1024

function textOf(provider: string, content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) {
    return content.map((part: { type?: string; text?: string; refusal?: string }) => {
      if (part.type === 'text') return part.text ?? ''
      if (part.type === 'refusal') return part.refusal ?? ''
      throw new ProviderError({ provider, status: 400, reason: `content part "${part.type}" is not supported by this provider adapter` })
    }).join('')
  }
  return ''
}

function parseArguments(provider: string, args: string): unknown {
  try {
    return args === '' ? {} : JSON.parse(args)
  } catch {
    throw new ProviderError({ provider, status: 400, reason: 'a tool call\'s arguments are not JSON' })
  }
}

/** OpenAI request → Anthropic Messages request (non-streaming fields; the caller adds `stream`). */
export function toAnthropicRequest(provider: string, req: ChatRequest | OpenAI.Chat.Completions.ChatCompletionCreateParams): Anthropic.Messages.MessageCreateParamsNonStreaming {
  const system: string[] = []
  const messages: AMessage[] = []
  const push = (role: 'user' | 'assistant', blocks: ABlock[]) => {
    const last = messages[messages.length - 1]
    // Consecutive tool results (one per call) go back as one user turn.
    if (last && last.role === role && Array.isArray(last.content)) last.content.push(...blocks)
    else messages.push({ role, content: blocks })
  }
  for (const m of req.messages as OAMessage[]) {
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(textOf(provider, m.content))
        break
      case 'user':
        push('user', [{ type: 'text', text: textOf(provider, m.content) }])
        break
      case 'assistant': {
        const blocks: ABlock[] = []
        const text = textOf(provider, m.content)
        if (text) blocks.push({ type: 'text', text })
        for (const call of m.tool_calls ?? []) {
          if (call.type !== 'function') continue
          blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseArguments(provider, call.function.arguments) })
        }
        // An assistant turn that said nothing (empty content, no tool calls) is left out:
        // Anthropic rejects empty content and empty text blocks alike, and the user turns on
        // either side of it merge into one (push), so the roles still alternate.
        if (blocks.length) push('assistant', blocks)
        break
      }
      case 'tool':
        push('user', [{ type: 'tool_result', tool_use_id: m.tool_call_id, content: textOf(provider, m.content) }])
        break
      default:
        throw new ProviderError({ provider, status: 400, reason: `message role "${(m as { role: string }).role}" is not supported` })
    }
  }
  const out: Anthropic.Messages.MessageCreateParamsNonStreaming = {
    model: req.model,
    messages,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_MAX_TOKENS,
  }
  if (system.length) out.system = system.join('\n\n')
  // Sampling parameters go through as the client set them, both when it set both: that is the
  // client's choice. Some newer models take only one of the two, or no temperature at all, and
  // the SDK's request type no longer lists them; such a model's refusal comes back to the
  // client as a 400 naming the field, rather than the node dropping it unseen.
  const sampling = out as { temperature?: number; top_p?: number }
  if (req.temperature != null) sampling.temperature = req.temperature
  if (req.top_p != null) sampling.top_p = req.top_p
  if (req.stop != null) out.stop_sequences = Array.isArray(req.stop) ? req.stop : [req.stop]
  if (req.tools?.length) {
    out.tools = req.tools.flatMap((t) => (t.type === 'function'
      ? [{ name: t.function.name, description: t.function.description, input_schema: (t.function.parameters ?? { type: 'object' }) as Anthropic.Messages.Tool.InputSchema }]
      : []))
  }
  const choice = req.tool_choice
  if (choice === 'auto') out.tool_choice = { type: 'auto' }
  else if (choice === 'none') out.tool_choice = { type: 'none' }
  else if (choice === 'required') out.tool_choice = { type: 'any' }
  else if (choice && typeof choice === 'object' && choice.type === 'function') out.tool_choice = { type: 'tool', name: choice.function.name }
  return out
}

export function finishReason(stop: string | null | undefined): ChatResponse['choices'][number]['finish_reason'] {
  switch (stop) {
    case 'max_tokens': return 'length'
    case 'tool_use': return 'tool_calls'
    case 'refusal': return 'content_filter'
    default: return 'stop'
  }
}

/** The usage counts on a Message, or in a stream's message_start and message_delta events (null: not given). */
type AnthropicUsage = { input_tokens?: number | null; output_tokens?: number | null; cache_creation_input_tokens?: number | null; cache_read_input_tokens?: number | null }

/**
 * Anthropic usage → OpenAI usage. Anthropic counts prompt tokens read from or written to the
 * cache apart from `input_tokens`; OpenAI's `prompt_tokens` counts every prompt token.
 */
export function toOpenAIUsage(usage: AnthropicUsage): NonNullable<ChatResponse['usage']> {
  const prompt = (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0)
  const completion = usage.output_tokens ?? 0
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }
}

/** Anthropic Message → OpenAI ChatCompletion. */
export function fromAnthropicMessage(msg: Anthropic.Messages.Message, created = Math.floor(Date.now() / 1000)): ChatResponse {
  let text = ''
  const toolCalls: OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall[] = []
  for (const block of msg.content) {
    if (block.type === 'text') text += block.text
    else if (block.type === 'tool_use') toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input) } })
  }
  const message: OpenAI.Chat.Completions.ChatCompletionMessage = { role: 'assistant', content: text, refusal: null }
  if (toolCalls.length) message.tool_calls = toolCalls
  return {
    id: msg.id,
    object: 'chat.completion',
    created,
    model: msg.model,
    choices: [{ index: 0, message, finish_reason: finishReason(msg.stop_reason), logprobs: null }],
    usage: toOpenAIUsage(msg.usage),
  }
}

export type AnthropicStreamTranslatorOptions = {
  /**
   * The client's `stream_options.include_usage`: as OpenAI does then, every chunk carries
   * `usage: null` and the stream ends with a chunk with no choices and the whole usage.
   */
  includeUsage?: boolean
}

/** Turns Anthropic stream events into OpenAI chunks; one instance per stream. */
export class AnthropicStreamTranslator {
  private id = ''
  private model = ''
  private readonly created = Math.floor(Date.now() / 1000)
  /** Anthropic content-block index → OpenAI tool_calls index. */
  private readonly toolIndex = new Map<number, number>()
  private readonly includeUsage: boolean
  /** Counts so far: message_start gives them, message_delta updates them (its counts are cumulative). */
  private readonly usage: AnthropicUsage = {}

  constructor({ includeUsage = false }: AnthropicStreamTranslatorOptions = {}) {
    this.includeUsage = includeUsage
  }

  private chunk(delta: ChatChunk['choices'][number]['delta'], finish: ChatChunk['choices'][number]['finish_reason'] = null): ChatChunk {
    const chunk: ChatChunk = { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] }
    if (this.includeUsage) chunk.usage = null
    return chunk
  }

  private count(usage: AnthropicUsage): void {
    for (const key of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'] as const) {
      const n = usage[key]
      if (typeof n === 'number') this.usage[key] = n
    }
  }

  /** The chunks one event becomes (often none). */
  translate(event: Anthropic.Messages.RawMessageStreamEvent): ChatChunk[] {
    switch (event.type) {
      case 'message_start':
        this.id = event.message.id
        this.model = event.message.model
        this.count(event.message.usage)
        return [this.chunk({ role: 'assistant', content: '' })]
      case 'content_block_start':
        if (event.content_block.type === 'tool_use') {
          const index = this.toolIndex.size
          this.toolIndex.set(event.index, index)
          return [this.chunk({ tool_calls: [{ index, id: event.content_block.id, type: 'function', function: { name: event.content_block.name, arguments: '' } }] })]
        }
        if (event.content_block.type === 'text' && event.content_block.text) return [this.chunk({ content: event.content_block.text })]
        return []
      case 'content_block_delta':
        if (event.delta.type === 'text_delta') return [this.chunk({ content: event.delta.text })]
        if (event.delta.type === 'input_json_delta') {
          const index = this.toolIndex.get(event.index) ?? 0
          return [this.chunk({ tool_calls: [{ index, function: { arguments: event.delta.partial_json } }] })]
        }
        return []
      case 'message_delta':
        if (event.usage) this.count(event.usage)
        return [this.chunk({}, finishReason(event.delta.stop_reason))]
      case 'message_stop':
        if (!this.includeUsage) return []
        return [{ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage: toOpenAIUsage(this.usage) }]
      default:
        return []
    }
  }
}
