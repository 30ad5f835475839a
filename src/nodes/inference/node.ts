/**
 * The inference node: a Fastify server over the ONNX runtime and the LLM providers that signs
 * a receipt for every answer and makes it durable before releasing the answer. This file
 * composes it: a config becomes the node's services (key, models, providers, TEE, payments),
 * those become the server (server/app.ts), and settlement starts on top.
 */
import type { FastifyInstance } from 'fastify'
import { type Address, addressOf } from '../../core/keys.ts'
import { type KeyFile, readKeyFile, writeKeyFile } from '../../core/keyfile.ts'
import type { InferenceNodeConfig } from './config.ts'
import type { NodeContext } from './server/nodeContext.ts'
import { type InferenceServerOptions, LOG_REDACT_PATHS, buildInferenceServer } from './server/app.ts'
import { modelSourceFromConfig } from './models/fromConfig.ts'
import { providersFromConfig } from './providers/fromConfig.ts'
import { teeFromConfig } from './tee/fromConfig.ts'
import { paymentsHookFromConfig } from './payments/hook.ts'
import { startSettlementFromConfig } from './settlement/fromConfig.ts'
import type { AttestationSource } from './tee/attestationSource.ts'
import type { HpkeKeyPair } from '../../attestation/hpkeKeys.ts'

export type CreateInferenceNodeParameters = InferenceServerOptions

export type InferenceNode = {
  app: FastifyInstance
  address: Address
  context: NodeContext
  /** The node's TEE (for self-registration); none for a vanilla node. */
  attestation?: AttestationSource
  hpke?: HpkeKeyPair
  /** Starts listening; returns the base URL. */
  listen(options: { host?: string; port?: number }): Promise<string>
  /** Stops taking requests, answers those in flight, then closes the services (payments, receipt log, runtimes). */
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
  const app = await buildInferenceServer(params)
  const context = app.nodeContext
  return {
    app,
    address: context.address,
    context,
    attestation: params.attestation,
    hpke: params.hpke,
    async listen({ host = '127.0.0.1', port = 0 }) {
      await app.listen({ host, port })
      const a = app.server.address()
      if (a === null || typeof a === 'string') return String(a)
      return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`
    },
    close: () => app.close(),
  }
}

/** Loads (or creates, on first start) the signing key, then builds the node a config describes. */
export async function createInferenceNodeFromConfig(config: InferenceNodeConfig): Promise<InferenceNode> {
  // The config → the node's services.
  const key = await loadOrCreateKeyFile(config.keyFile)
  const payments = config.payments?.required && config.ledger
    ? await paymentsHookFromConfig(config.payments, { rpcUrl: config.ledger.rpc, node: addressOf(key.privateKey) })
    : undefined
  const tee = await teeFromConfig(config, key.privateKey)

  // The services → the server.
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
    ...tee,
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

async function loadOrCreateKeyFile(path: string): Promise<KeyFile> {
  try {
    return await readKeyFile(path)
  } catch (err) {
    if ((err as { cause?: NodeJS.ErrnoException }).cause?.code !== 'ENOENT') throw err
    return writeKeyFile(path)
  }
}
