/** The chat models this node answers through LLM providers: model name → provider and price. */
import { sharedPlugin } from '../../../core/http/fastifyPlugin.ts'
import type { ChatProvider } from './chatProvider.ts'

/** One provider and the models (with one price) it answers for this node. */
export type ProviderRoute = { provider: ChatProvider; models: string[]; price: bigint }

/** A provider-backed model: which provider answers it and at what price. */
export type ChatRoute = { provider: ChatProvider; price: bigint }

declare module 'fastify' {
  interface FastifyInstance {
    /** Provider model name → route. */
    chatModels: Map<string, ChatRoute>
  }
}

export const providersPlugin = sharedPlugin(async (app, { providers }: { providers: ProviderRoute[] }) => {
  const chat = new Map<string, ChatRoute>()
  for (const p of providers) for (const m of p.models) chat.set(m, { provider: p.provider, price: p.price })
  app.decorate('chatModels', chat)
}, { name: 'haca-providers' })
