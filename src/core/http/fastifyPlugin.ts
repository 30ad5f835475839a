/**
 * Named Fastify plugins with declared dependencies, as the `fastify-plugin` package makes them
 * (it is not a dependency here; Fastify reads the same symbols from any function). Fastify
 * checks the dependencies when the plugin is registered, so a plugin registered before the
 * services it needs fails at start with their names rather than at the first request.
 */
import type { FastifyPluginAsync, FastifyPluginOptions } from 'fastify'

export type PluginMeta = {
  /** Unique per server; other plugins name it in their `dependencies`. */
  name: string
  /** Plugins that must be registered before this one. */
  dependencies?: string[]
}

/**
 * A shared service: its decorators and hooks land on the instance it is registered on (no
 * encapsulation), so sibling plugins and routes see them.
 *
 * @example
 * export const limiterPlugin = sharedPlugin(async (app, { max }: { max: number }) => {
 *   app.decorate('limiter', new ConcurrencyLimiter(max))
 * }, { name: 'haca-limiter' })
 */
export function sharedPlugin<Options extends FastifyPluginOptions>(plugin: FastifyPluginAsync<Options>, meta: PluginMeta): FastifyPluginAsync<Options> {
  return Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: meta.name,
    [Symbol.for('plugin-meta')]: meta,
  })
}

/**
 * An encapsulated plugin (routes): what it adds stays inside it, and its dependencies are
 * checked as for a shared one.
 *
 * @example
 * export const infoRoutes = routesPlugin(async (app) => { app.get('/healthz', ...) }, { name: 'haca-info-routes', dependencies: ['haca-node-context'] })
 */
export function routesPlugin<Options extends FastifyPluginOptions>(plugin: FastifyPluginAsync<Options>, meta: PluginMeta): FastifyPluginAsync<Options> {
  return Object.assign(plugin, {
    [Symbol.for('fastify.display-name')]: meta.name,
    [Symbol.for('plugin-meta')]: meta,
  })
}
