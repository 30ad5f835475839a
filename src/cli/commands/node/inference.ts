/** `haca node inference --config FILE`: runs one inference node until SIGINT/SIGTERM. */
import { loadInferenceConfig } from '../../../nodes/inference/config.ts'
import { createInferenceNodeFromConfig } from '../../../nodes/inference/node.ts'
import { selfRegistrationFromConfig } from '../../../nodes/inference/registration/registerFromConfig.ts'
import { printResult } from '../../output.ts'

export type NodeInferenceOptions = { config: string; json?: boolean }

export async function nodeInference(options: NodeInferenceOptions): Promise<void> {
  const config = await loadInferenceConfig(options.config)
  const node = await createInferenceNodeFromConfig(config)
  const url = await node.listen({ host: config.host, port: config.port })
  // Load ONNX sessions (and fetch stored models) in the background, so first requests find them warm.
  for (const m of node.context.models.list().slice(0, config.onnx.maxSessions ?? 8)) {
    node.context.onnx.schema(m.id).catch((err: unknown) => node.app.log.warn({ model: m.id, err: err instanceof Error ? err.message : String(err) }, 'model could not be loaded'))
  }
  const models = [...node.context.models.list().map((m) => m.id), ...node.context.chat.keys()]
  printResult(options.json, { url, address: node.address, mode: config.mode, models, receiptDir: config.receiptDir }, () =>
    `inference node ${node.address} listening on ${url} (mode ${config.mode}; models: ${models.join(', ') || 'none'})`)
  // With a "register" section, the node registers itself on the ledger (in the background) and re-attests on schedule.
  const registration = await selfRegistrationFromConfig(config, node, url, node.app.log)
  registration?.registered.then((view) => {
    if (!options.json) process.stdout.write(`registered on the ledger as ${view.address}: ${view.status}, attestation valid until ${new Date(Number(view.expiresAtMs ?? 0)).toISOString()}\n`)
  }, () => {}) // a failure is logged by the registration itself
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  // A graceful stop drains in-flight requests and flushes queued receipts before exiting.
  registration?.stop()
  await node.close()
}
