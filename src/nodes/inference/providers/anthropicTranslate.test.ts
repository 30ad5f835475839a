import { test } from 'node:test'
import assert from 'node:assert/strict'
import type Anthropic from '@anthropic-ai/sdk'
import { AnthropicStreamTranslator, DEFAULT_MAX_TOKENS, fromAnthropicMessage, toAnthropicRequest } from './anthropicTranslate.ts'
import { ProviderError } from './chatProvider.ts'

test('an OpenAI conversation with a tool round trip becomes a Messages request', () => {
  const out = toAnthropicRequest('an', {
    model: 'claude-x',
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'weather in Paris and Rome?' },
      { role: 'assistant', content: null, tool_calls: [
        { id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'c2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
      ] },
      { role: 'tool', tool_call_id: 'c1', content: '18C' },
      { role: 'tool', tool_call_id: 'c2', content: '24C' },
    ],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    tool_choice: 'required',
    stop: 'END',
  })
  assert.equal(out.system, 'be brief')
  assert.equal(out.max_tokens, DEFAULT_MAX_TOKENS)
  assert.deepEqual(out.stop_sequences, ['END'])
  assert.deepEqual(out.tool_choice, { type: 'any' })
  assert.equal(out.tools?.[0] && 'name' in out.tools[0] ? out.tools[0].name : '', 'get_weather')
  assert.deepEqual(out.messages, [
    { role: 'user', content: [{ type: 'text', text: 'weather in Paris and Rome?' }] },
    { role: 'assistant', content: [
      { type: 'tool_use', id: 'c1', name: 'get_weather', input: { city: 'Paris' } },
      { type: 'tool_use', id: 'c2', name: 'get_weather', input: { city: 'Rome' } },
    ] },
    // Both tool results travel back in one user turn.
    { role: 'user', content: [
      { type: 'tool_result', tool_use_id: 'c1', content: '18C' },
      { type: 'tool_result', tool_use_id: 'c2', content: '24C' },
    ] },
  ])
})

test('unsupported content and bad tool arguments are 400s, not upstream errors', () => {
  assert.throws(() => toAnthropicRequest('an', { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }),
    (e: unknown) => e instanceof ProviderError && e.status === 400 && /image_url/.test(e.message))
  assert.throws(() => toAnthropicRequest('an', { model: 'm', messages: [{ role: 'assistant', content: '', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{' } }] }] }),
    (e: unknown) => e instanceof ProviderError && e.status === 400)
})

test('a Message and a stream of events come back in the OpenAI shape', () => {
  const msg = {
    id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x', stop_reason: 'tool_use', stop_sequence: null,
    content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 't1', name: 'get_weather', input: { city: 'Paris' } }],
    usage: { input_tokens: 10, output_tokens: 5 },
  } as unknown as Anthropic.Messages.Message
  const res = fromAnthropicMessage(msg, 1)
  assert.equal(res.choices[0].finish_reason, 'tool_calls')
  assert.equal(res.choices[0].message.content, 'Checking.')
  assert.deepEqual(res.choices[0].message.tool_calls, [{ id: 't1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }])
  assert.deepEqual(res.usage, { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 })

  const t = new AnthropicStreamTranslator()
  const events = [
    { type: 'message_start', message: { ...msg, content: [] } },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
    { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 't1', name: 'get_weather', input: {} } },
    { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
    { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } },
    { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 5 } },
    { type: 'message_stop' },
  ] as unknown as Anthropic.Messages.RawMessageStreamEvent[]
  const chunks = events.flatMap((e) => t.translate(e))
  assert.equal(chunks[0].choices[0].delta.role, 'assistant')
  assert.equal(chunks.map((c) => c.choices[0].delta.content ?? '').join(''), 'Hi')
  const args = chunks.flatMap((c) => c.choices[0].delta.tool_calls ?? []).map((d) => d.function?.arguments ?? '').join('')
  assert.equal(args, '{"city":"Paris"}')
  assert.equal(chunks.at(-1)?.choices[0].finish_reason, 'tool_calls')
  assert.ok(chunks.every((c) => c.id === 'msg_1' && c.object === 'chat.completion.chunk'))
})

test('temperature and top_p go through as the client set them', () => {
  const ask = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] }
  const both = toAnthropicRequest('an', { ...ask, temperature: 0.3, top_p: 0.8 }) as { temperature?: number; top_p?: number }
  assert.equal(both.temperature, 0.3)
  assert.equal(both.top_p, 0.8)
  const zero = toAnthropicRequest('an', { ...ask, temperature: 0 }) as { temperature?: number; top_p?: number }
  assert.equal(zero.temperature, 0, 'zero is a setting, not an absence')
  assert.equal('top_p' in zero, false)
  const none = toAnthropicRequest('an', { ...ask, temperature: null })
  assert.equal('temperature' in none || 'top_p' in none, false)
})

test('an assistant turn with no content and no tool calls is left out; the user turns around it merge', () => {
  for (const content of ['', null, [{ type: 'text' as const, text: '' }]]) {
    const out = toAnthropicRequest('an', {
      model: 'm',
      messages: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content },
        { role: 'user', content: 'second' },
        { role: 'assistant', content: 'ok' },
      ],
    })
    assert.deepEqual(out.messages, [
      { role: 'user', content: [{ type: 'text', text: 'first' }, { type: 'text', text: 'second' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
    ], `content ${JSON.stringify(content)}`)
    assert.ok(out.messages.every((m) => Array.isArray(m.content) && m.content.length > 0), 'no message has empty content')
  }
})

test('usage: cache tokens count as prompt tokens; a stream asked for usage ends with an OpenAI usage chunk', () => {
  const msg = {
    id: 'msg_u', type: 'message', role: 'assistant', model: 'claude-x', stop_reason: 'end_turn', stop_sequence: null,
    content: [{ type: 'text', text: 'Hi' }],
    usage: { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 3, cache_read_input_tokens: 2 },
  } as unknown as Anthropic.Messages.Message
  assert.deepEqual(fromAnthropicMessage(msg, 1).usage, { prompt_tokens: 15, completion_tokens: 5, total_tokens: 20 })

  const events = [
    { type: 'message_start', message: { ...msg, content: [], stop_reason: null, usage: { input_tokens: 10, output_tokens: 1, cache_creation_input_tokens: 3, cache_read_input_tokens: null } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } },
    { type: 'content_block_stop', index: 0 },
    // message_delta's counts are cumulative; null means "not given", not zero.
    { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 7, input_tokens: null, cache_creation_input_tokens: null, cache_read_input_tokens: 2 } },
    { type: 'message_stop' },
  ] as unknown as Anthropic.Messages.RawMessageStreamEvent[]

  const t = new AnthropicStreamTranslator({ includeUsage: true })
  const chunks = events.flatMap((e) => t.translate(e))
  const last = chunks.at(-1)
  assert.deepEqual(last, { id: 'msg_u', object: 'chat.completion.chunk', created: last?.created, model: 'claude-x', choices: [], usage: { prompt_tokens: 15, completion_tokens: 7, total_tokens: 22 } })
  assert.ok(chunks.slice(0, -1).every((c) => c.usage === null && c.choices.length === 1), 'the other chunks carry usage: null, as OpenAI sends them')
  assert.equal(chunks.at(-2)?.choices[0].finish_reason, 'stop')

  const u = new AnthropicStreamTranslator()
  const without = events.flatMap((e) => u.translate(e))
  assert.equal(without.length, chunks.length - 1, 'no usage chunk unless asked for')
  assert.ok(without.every((c) => !('usage' in c)))
})
