/**
 * The inference node: a Fastify server over the ONNX runtime and the LLM providers that signs
 * a receipt for every answer and makes it durable before releasing the answer.
 */
import Fastify, { LogController, type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import type { Hex } from '../../core/bytes.ts'
import { type Address, addressOf } from '../../core/keys.ts'
import { readKeyFile, writeKeyFile } from '../../core/keyfile.ts'
import type { InferenceNodeConfig } from './config.ts'
import { hashRequest } from '../../protocol/canonicalJson.ts'
import { type NodeContext, type ChatRoute } from './server/nodeContext.ts'
import { createNodeMetrics } from './server/metrics.ts'
import { ConcurrencyLimiter } from './server/limiter.ts'
import { type ModelSource, CombinedModelSource, FileModelSource } from './models/modelSource.ts'
import { BlobStoreModelSource } from './models/blobStoreModelSource.ts'
import { LedgerModelSource } from './models/ledgerModelSource.ts'
import { startSettlementFromConfig } from './settlement/fromConfig.ts'
import { LedgerRpc } from '../../client/ledger/ledgerRpc.ts'
import { WalrusClient } from '../../storage/walrusClient.ts'
import { ModelCache } from '../../storage/modelCache.ts'
import { OnnxRuntime, type OnnxConfig } from './runtimes/onnxRuntime.ts'
import { resolveExecutionProvider } from './runtimes/executionProvider.ts'
import { ReceiptLog, type ReceiptLogOptions } from './receipts/receiptLog.ts'
import type { InferenceMode } from '../../protocol/modes.ts'
import type { ChatProvider } from './providers/chatProvider.ts'
import { OpenAIProvider } from './providers/openaiProvider.ts'
import { AnthropicProvider } from './providers/anthropicProvider.ts'
import { errorHandler } from './server/httpErrors.ts'
import { inferRoutes } from './routes/infer.ts'
import { openaiCompatRoutes } from './routes/openaiCompat.ts'
import { infoRoutes } from './routes/info.ts'
import { attestationRoutes } from './routes/attestation.ts'
import { type AttestationSource, simulatedAttestationSource } from './tee/attestationSource.ts'
import { readDevRootFile } from '../../attestation/devRootFile.ts'
import { type NodePaymentsHook, paymentsHookFromConfig } from './payments/hook.ts'
import type { HpkeKeyPair } from '../../attestation/hpkeKeys.ts'
import { registerEncryptedRequests } from './tee/encryptedRequests.ts'
import { loadOrCreateHpkeKeyFile } from './tee/hpkeKeyFile.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** sha256 of the canonical JSON of the body as received (computed on first use; '0x' for a GET). */
    readonly requestHash: Hex
  }
}

/** Where secrets could appear in logs; pino replaces them. */
export const LOG_REDACT_PATHS = ['req.headers.authorization', 'req.headers["x-api-key"]', 'apiKey', '*.apiKey', 'providers[*].apiKey', 'config.providers[*].apiKey']

export type ProviderRoute = { provider: ChatProvider; models: string[]; price: bigint }

export type CreateInferenceNodeParameters = {
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
  receiptLog?: Pick<ReceiptLogOptions, 'maxSegmentBytes' | 'preallocateBytes' | 'sync' | 'retainBytes'>
  mode?: InferenceMode
  models?: ModelSource
  /** ONNX runtime options; `executionProvider` 'cuda' fails here when the machine lacks it, 'auto' falls back to the CPU (executionProvider.ts). */
  onnx?: OnnxConfig
  providers?: ProviderRoute[]
  maxConcurrent?: number
  maxQueue?: number
  /** The node's TEE, serving `GET /v1/attestation`; none for a vanilla node. */
  attestation?: AttestationSource
  /** The HPKE key pair the attestation binds; with it, the node takes encrypted requests (`encryptedRequests.ts`). */
  hpke?: HpkeKeyPair
  /** Fastify/pino logger options; default: warnings and errors only. */
  logger?: FastifyServerOptions['logger']
  /** Payment check on paid routes (`paymentsHook`, src/inference/payments/); none: requests are served unpaid. */
  payments?: NodePaymentsHook
}

export type InferenceNode = {
  app: FastifyInstance
  address: Address
  context: NodeContext
  /** The node's TEE (for self-registration); none for a vanilla node. */
  attestation?: AttestationSource
  hpke?: HpkeKeyPair
  /** Starts listening; returns the base URL. */
  listen(options: { host?: string; port?: number }): Promise<string>
  close(): Promise<void>
}

/**
 * Builds a node (not yet listening).
 *
 * @example
 * const node = await createInferenceNode({ privateKey, receiptDir: './receipts', models, providers })
 * const url = await node.listen({ host: '127.0.0.1', port: 0 })
 */
export async function createInferenceNode(params: CreateInferenceNodeParameters): Promise<InferenceNode> {
  // Checked before anything is opened: a node asked to use CUDA that cannot does not start.
  const executionProvider = await resolveExecutionProvider(params.onnx?.executionProvider)
  const metrics = createNodeMetrics()
  const limiter = new ConcurrencyLimiter(params.maxConcurrent ?? 64, params.maxQueue ?? 1024)
  const receipts = await ReceiptLog.open(params.receiptDir, {
    ...params.receiptLog,
    sync: params.receiptLog?.sync ?? 'background',
    onFlush: (n, seconds) => {
      metrics.receiptFlush.observe(seconds)
      metrics.receiptBatch.observe(n)
    },
    // The only request in flight: its receipt is written at once on the event loop.
    writeInline: () => limiter.running <= 1,
  })
  const models = params.models ?? new FileModelSource([])
  const chat = new Map<string, ChatRoute>()
  for (const p of params.providers ?? []) for (const m of p.models) chat.set(m, { provider: p.provider, price: p.price })
  const address = addressOf(params.privateKey)
  const ctx: NodeContext = {
    address,
    privateKey: params.privateKey,
    mode: params.mode ?? 'vanilla',
    receipts,
    metrics,
    limiter,
    models,
    // ONNX runs leave the event loop only while other requests are waiting on it (onnxRuntime.ts).
    onnx: new OnnxRuntime(models, {
      ...params.onnx,
      executionProvider: executionProvider.provider,
      busy: () => limiter.running > 1,
      // Workers start on the first offloaded run, after `app` exists.
      onWorkerExit: (exit) => app.log.warn(exit, 'an ONNX worker thread exited; it is restarted'),
    }),
    chat,
  }

  const app = Fastify({
    logger: params.logger ?? { level: 'warn', redact: LOG_REDACT_PATHS, stream: process.stderr },
    // Per-request log lines cost more than the ONNX run of a small model; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    // A pino child per request (to bind its id) cost ~50 µs of every answer; the node logs only
    // warnings and errors, and those lines name the request themselves (httpErrors.ts).
    childLoggerFactory: (logger) => logger,
    bodyLimit: 64 * 1024 * 1024,
    // Validation must not change the body: the request hash covers what the client sent.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false, allowUnionTypes: true } },
  })
  // The request hash is taken when first asked for (then kept): a route can have it computed
  // while its model runs on a worker thread, where it costs nothing on the answer's path (the
  // canonical JSON of a 3,072-value image tensor takes ~0.3 ms). Validation leaves the body as
  // it was received (no coercion, no defaults, nothing removed), so the hash is the same.
  const requestHashes = new WeakMap<FastifyRequest, Hex>()
  app.decorateRequest('requestHash', {
    getter(this: FastifyRequest): Hex {
      if (this.method !== 'POST') return '0x'
      let hash = requestHashes.get(this)
      if (hash === undefined) requestHashes.set(this, (hash = hashRequest(this.body)))
      return hash
    },
  })
  app.setErrorHandler(errorHandler)
  if (executionProvider.fallback) app.log.warn({ asked: params.onnx?.executionProvider }, executionProvider.fallback)
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    metrics.requests.inc({ route, status: String(reply.statusCode) })
    metrics.latency.observe({ route }, reply.elapsedTime / 1000)
    if (reply.statusCode >= 400) metrics.errors.inc({ route, code: String(reply.statusCode) })
  })
  if (params.hpke) registerEncryptedRequests(app, params.hpke)
  params.payments?.register(app, ctx)
  await app.register(inferRoutes, { ctx })
  await app.register(openaiCompatRoutes, { ctx })
  await app.register(infoRoutes, { ctx })
  await app.register(attestationRoutes, { ctx, source: params.attestation })

  return {
    app,
    address,
    context: ctx,
    attestation: params.attestation,
    hpke: params.hpke,
    async listen({ host = '127.0.0.1', port = 0 }) {
      await app.listen({ host, port })
      const a = app.server.address()
      if (a === null || typeof a === 'string') return String(a)
      return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`
    },
    async close() {
      await app.close()
      await params.payments?.close?.()
      await receipts.close()
      await ctx.onnx.close()
    },
  }
}

/** Providers from config entries. */
export function providersFromConfig(config: InferenceNodeConfig): ProviderRoute[] {
  return config.providers.map((p) => {
    const apiKey = p.apiKey ?? ''
    const provider = p.kind === 'anthropic'
      ? new AnthropicProvider({ name: p.name, baseURL: p.baseURL, apiKey, timeoutMs: p.timeoutMs })
      : new OpenAIProvider({ name: p.name, baseURL: p.baseURL, apiKey, timeoutMs: p.timeoutMs })
    return { provider, models: p.models, price: p.price }
  })
}

/**
 * Local files and blob-store models (through the model cache), as the config lists them, and,
 * with `ledger.serveRegisteredModels`, every model registered on the ledger by its model ID.
 */
export async function modelSourceFromConfig(config: InferenceNodeConfig): Promise<ModelSource> {
  const files = config.models.flatMap((m) => ('path' in m ? [{ id: m.id, price: m.price, path: m.path }] : []))
  const stored = config.models.flatMap((m) => ('manifestBlobId' in m ? [m] : []))
  const fromLedger = Boolean(config.ledger?.serveRegisteredModels)
  if ((stored.length === 0 && !fromLedger) || !config.storage) return new FileModelSource(files)
  const store = new WalrusClient({ publisherUrl: config.storage.publisherUrl, aggregatorUrl: config.storage.aggregatorUrl, shards: config.storage.shards })
  const cache = await ModelCache.open({ dir: config.storage.cacheDir, maxBytes: config.storage.maxCacheBytes, store })
  const sources: ModelSource[] = [new FileModelSource(files), new BlobStoreModelSource(cache, stored)]
  if (fromLedger && config.ledger) {
    const registered = new LedgerModelSource(await LedgerRpc.connect(config.ledger.rpc), cache)
    await registered.start()
    sources.push(registered)
  }
  return new CombinedModelSource(sources)
}

/** Loads (or creates, on first start) the signing key, then builds the node a config describes. */
export async function createInferenceNodeFromConfig(config: InferenceNodeConfig): Promise<InferenceNode> {
  let key
  try {
    key = await readKeyFile(config.keyFile)
  } catch (err) {
    if ((err as { cause?: NodeJS.ErrnoException }).cause?.code !== 'ENOENT') throw err
    key = await writeKeyFile(config.keyFile)
  }
  let payments: NodePaymentsHook | undefined
  if (config.payments?.required && config.ledger) {
    payments = await paymentsHookFromConfig(config.payments, { rpcUrl: config.ledger.rpc, node: addressOf(key.privateKey) })
  }
  const hpke = config.tee ? await loadOrCreateHpkeKeyFile(config.tee.hpkeKeyFile) : undefined
  const attestation = config.tee
    ? simulatedAttestationSource({ root: await readDevRootFile(config.tee.devRootFile), privateKey: key.privateKey, hpkePublicKey: hpke?.publicKey })
    : undefined
  const node = await createInferenceNode({
    privateKey: key.privateKey,
    receiptDir: config.receiptDir,
    receiptLog: config.receiptLog,
    mode: config.mode,
    models: await modelSourceFromConfig(config),
    onnx: config.onnx,
    providers: providersFromConfig(config),
    maxConcurrent: config.maxConcurrent,
    maxQueue: config.maxQueue,
    attestation,
    hpke,
    // Logs go to stderr: stdout carries the command's own output (JSON with --json).
    logger: { level: config.logLevel, redact: LOG_REDACT_PATHS, stream: process.stderr },
    payments,
  })
  const settlement = payments?.vouchers ? await startSettlementFromConfig(config, node, payments.vouchers) : undefined
  if (!settlement) return node
  const close = node.close.bind(node)
  // Settlement stops first: a batch in flight finishes (or is left for the next start) before the receipt log closes.
  return Object.assign(node, { close: async () => { await settlement.stop(); await close() } })
}
