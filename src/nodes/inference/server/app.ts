/**
 * The inference node's Fastify server: the shared services as named plugins, in the order
 * their dependencies need, then the routes, each an encapsulated plugin. Fastify checks every
 * plugin's declared dependencies as it registers it, and closes the services in reverse
 * order after the server has stopped taking requests and answered those it had.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { InferenceMode } from '../../../protocol/modes.ts'
import type { HpkeKeyPair } from '../../../attestation/hpkeKeys.ts'
import { errorHandlerPlugin } from './httpErrors.ts'
import { requestHashPlugin } from './requestHash.ts'
import { metricsPlugin } from './metrics.ts'
import { limiterPlugin } from './limiter.ts'
import { nodeContextPlugin } from './nodeContext.ts'
import { type ModelSource, FileModelSource } from '../models/modelSource.ts'
import { modelsPlugin } from '../models/modelsPlugin.ts'
import type { OnnxConfig } from '../runtimes/onnxRuntime.ts'
import { onnxPlugin } from '../runtimes/onnxPlugin.ts'
import { type ProviderRoute, providersPlugin } from '../providers/providersPlugin.ts'
import { type ReceiptLogPluginOptions, receiptLogPlugin } from '../receipts/receiptLogPlugin.ts'
import type { AttestationSource } from '../tee/attestationSource.ts'
import { encryptedRequestsPlugin } from '../tee/encryptedRequests.ts'
import type { NodePaymentsHook } from '../payments/hook.ts'
import { paymentsPlugin } from '../payments/plugin.ts'
import { inferRoutes } from '../routes/infer.ts'
import { openaiCompatRoutes } from '../routes/openaiCompat.ts'
import { infoRoutes } from '../routes/info.ts'
import { attestationRoutes } from '../routes/attestation.ts'

/** Where secrets could appear in logs; pino replaces them. */
export const LOG_REDACT_PATHS = ['req.headers.authorization', 'req.headers["x-api-key"]', 'apiKey', '*.apiKey', 'providers[*].apiKey', 'config.providers[*].apiKey']

export type InferenceServerOptions = {
  privateKey: Uint8Array
  /** Directory of the durable receipt log. */
  receiptDir: string
  /**
   * Segment and preallocation sizes of the receipt log (defaults suit production), and when a
   * receipt counts as written: 'background' by default here (in the OS before the answer leaves,
   * which a killed node cannot lose; on disk about a millisecond later, group-committed), so an
   * answer never waits for a disk flush; 'per-append' also survives a power loss, for ~0.2 ms
   * an answer (see ReceiptLogOptions.sync).
   */
  receiptLog?: ReceiptLogPluginOptions['options']
  mode?: InferenceMode
  models?: ModelSource
  /** ONNX runtime options; `executionProvider` 'cuda' fails here when the machine lacks it, 'auto' falls back to the CPU (executionProvider.ts). */
  onnx?: OnnxConfig
  providers?: ProviderRoute[]
  maxConcurrent?: number
  maxQueue?: number
  /** The node's TEE, serving `GET /v1/attestation`; none for a vanilla node. */
  attestation?: AttestationSource
  /** The HPKE key pair the attestation binds; with it, the node takes encrypted requests (`tee/encryptedRequests.ts`). */
  hpke?: HpkeKeyPair
  /** Fastify/pino logger options; default: warnings and errors only. */
  logger?: FastifyServerOptions['logger']
  /** Payment check on paid routes (`paymentsHook`, payments/); none: requests are served unpaid. */
  payments?: NodePaymentsHook
}

/** Builds the server, not yet listening (`createInferenceNode` wraps it with listen and close). */
export async function buildInferenceServer(options: InferenceServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? { level: 'warn', redact: LOG_REDACT_PATHS, stream: process.stderr },
    // Per-request log lines cost more than the ONNX run of a small model; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // A pino child per request (to bind its id) cost ~50 µs of every answer; the node logs only
    // warnings and errors, and those lines name the request themselves (httpErrors.ts).
    childLoggerFactory: (logger) => logger,
    bodyLimit: 64 * 1024 * 1024,
    // Validation must not change the body: the request hash covers what the client sent.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false, allowUnionTypes: true } },
  })

  // Shared services. The ONNX runtime comes before the receipt log: a node asked to use CUDA
  // that cannot does not start, and has opened nothing by then.
  await app.register(errorHandlerPlugin)
  await app.register(requestHashPlugin)
  await app.register(metricsPlugin)
  await app.register(limiterPlugin, { maxConcurrent: options.maxConcurrent ?? 64, maxQueue: options.maxQueue ?? 1024 })
  await app.register(modelsPlugin, { models: options.models ?? new FileModelSource([]) })
  await app.register(providersPlugin, { providers: options.providers ?? [] })
  await app.register(onnxPlugin, { onnx: options.onnx })
  await app.register(receiptLogPlugin, { dir: options.receiptDir, options: options.receiptLog })
  await app.register(nodeContextPlugin, { privateKey: options.privateKey, mode: options.mode ?? 'vanilla' })
  // Hooks on every paid route: requests opened (and answers sealed) first, then the payment check.
  if (options.hpke) await app.register(encryptedRequestsPlugin, { hpke: options.hpke })
  if (options.payments) await app.register(paymentsPlugin, { hook: options.payments })

  // Routes.
  await app.register(inferRoutes)
  await app.register(openaiCompatRoutes)
  await app.register(infoRoutes)
  await app.register(attestationRoutes, { source: options.attestation })
  return app
}
