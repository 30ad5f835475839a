/** The LLM providers a config lists, each with the models it answers and their price. */
import type { InferenceNodeConfig } from '../config.ts'
import { AnthropicProvider } from './anthropicProvider.ts'
import { OpenAIProvider } from './openaiProvider.ts'
import type { ProviderRoute } from './providersPlugin.ts'

export function providersFromConfig(config: Pick<InferenceNodeConfig, 'providers'>): ProviderRoute[] {
  return config.providers.map((p) => {
    const apiKey = p.apiKey ?? ''
    const provider = p.kind === 'anthropic'
      ? new AnthropicProvider({ name: p.name, baseURL: p.baseURL, apiKey, timeoutMs: p.timeoutMs })
      : new OpenAIProvider({ name: p.name, baseURL: p.baseURL, apiKey, timeoutMs: p.timeoutMs })
    return { provider, models: p.models, price: p.price }
  })
}
