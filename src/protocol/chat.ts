/**
 * The chat wire shapes: OpenAI's chat-completions request, answer and stream chunk, as the
 * inference node's OpenAI-compatible routes, its providers and the SDK exchange them.
 */
import type OpenAI from 'openai'

export type ChatRequest = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming
export type ChatStreamRequest = OpenAI.Chat.Completions.ChatCompletionCreateParamsStreaming
export type ChatResponse = OpenAI.Chat.Completions.ChatCompletion
export type ChatChunk = OpenAI.Chat.Completions.ChatCompletionChunk
