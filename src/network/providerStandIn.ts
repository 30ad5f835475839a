/**
 * The local network's LLM provider stand-in: a real HTTP server on loopback speaking the
 * OpenAI (and Anthropic) APIs (`@copilotkit/aimock`), so a devnet can show chat through an
 * inference node without a provider account. It answers every message by echoing it, and
 * asks for a `get_weather` tool call when a message mentions the weather.
 */
import { LLMock } from '@copilotkit/aimock'

export const STAND_IN_MODEL = 'standin-chat'

export async function startProviderStandIn({ host = '127.0.0.1', port = 0 }: { host?: string; port?: number } = {}): Promise<{ url: string; close(): Promise<void> }> {
  const mock = new LLMock({ host, port })
  mock.onMessage(/weather/i, { toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}', id: 'call_weather' }] })
  mock.onMessage(/[\s\S]*/, (req) => {
    const last = [...(req.messages ?? [])].reverse().find((m) => m.role === 'user')
    const text = typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '')
    return { content: `(provider stand-in) you said: ${text}` }
  })
  await mock.start()
  return { url: mock.url, close: () => mock.stop() }
}
