/** Starts a configured node's self-registration (`"register"` in its config) once it listens. */
import { readKeyFile } from '../../../core/keyfile.ts'
import type { InferenceNodeConfig } from '../config.ts'
import { InferenceConfigError } from '../configError.ts'
import type { InferenceNode } from '../node.ts'
import { type RegistrationLogger, type SelfRegistration, capabilitiesOf, payoutOf, startSelfRegistration } from './selfRegistration.ts'

/**
 * @example
 * const url = await node.listen({ host, port })
 * const registration = await selfRegistrationFromConfig(config, node, url, node.app.log)
 */
export async function selfRegistrationFromConfig(config: InferenceNodeConfig, node: InferenceNode, url: string, log: RegistrationLogger): Promise<SelfRegistration | undefined> {
  const r = config.register
  if (!r) return undefined
  if (!node.attestation) throw new InferenceConfigError({ path: 'register', reason: 'registering needs a TEE: add a "tee" section (the simulated enclave: { "devRootFile": … })' })
  const chatModels = [...node.context.chat.entries()].map(([id, route]) => ({ id, price: route.price }))
  const runtimes = [...(node.context.models.list().length > 0 || config.ledger?.serveRegisteredModels ? ['onnx'] : []), ...config.providers.map((p) => p.kind)]
  return startSelfRegistration({
    rpc: r.rpc,
    signingPrivateKey: node.context.privateKey,
    operator: r.operatorKeyFile ? await readKeyFile(r.operatorKeyFile) : undefined,
    attestation: node.attestation,
    endpoint: r.endpoint ?? url,
    payout: payoutOf(r.payout),
    capabilities: capabilitiesOf({ onnxModels: node.context.models.list(), chatModels, runtimes, mode: config.mode }),
    stake: r.stake,
    reattestEveryMs: r.reattestEveryMs,
    log,
  })
}
