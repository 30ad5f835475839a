/** `haca infer`: one ONNX inference through the SDK. */
import { readFileSync } from 'node:fs'
import { BaseError } from '../../../core/errors.ts'
import { HacaClient } from '../../../client/HacaClient.ts'
import { receiptToJson } from '../../../protocol/receipt.ts'
import { type InferenceMode, INFERENCE_MODES } from '../../../protocol/modes.ts'
import { TENSOR_TYPES, type TensorJson, type TensorType } from '../../../protocol/tensor.ts'
import { printResult } from '../../output.ts'
import { type PaymentOptions, paymentsFromOptions } from './payments.ts'
import { defaultRpc } from '../../defaults.ts'
import { LedgerRpc } from '../../../client/ledger/ledgerRpc.ts'
import { type NodeListOptions, nodeSourceFromOptions } from './nodes.ts'

export class InferOptionError extends BaseError {
  override name = 'InferOptionError' as const
  constructor({ reason }: { reason: string }) {
    super(reason, { code: 'infer_option' })
  }
}

export type InferCommandOptions = NodeListOptions & PaymentOptions & {
  model: string
  input?: string[]
  inputs?: string
  mode?: string
  maxPrice?: string
  timeout?: string
  /** Ledger RPC: resolves `name@version` to a model ID, and its registry lists the nodes when none are named. */
  ledger?: string
  /** Encrypt the request to the node's attested HPKE key (registry nodes only). */
  encrypted?: boolean
  json?: boolean
}

/** Parses NAME=TYPE:DIMS:VALUES, e.g. `input=float32:2x2:1,2,3,4`. */
export function parseInputSpec(spec: string): [string, TensorJson] {
  const m = /^([^=]+)=([a-z0-9]+):([0-9x]*):(.*)$/.exec(spec)
  if (!m) throw new InferOptionError({ reason: `--input ${spec}: expected NAME=TYPE:DIMS:VALUES, e.g. input=float32:1x4:1,2,3,4` })
  const [, name, type, dims, values] = m
  if (!(TENSOR_TYPES as readonly string[]).includes(type)) throw new InferOptionError({ reason: `--input ${spec}: type must be one of ${TENSOR_TYPES.join(', ')}` })
  const data = values === '' ? [] : values.split(',').map((v) => {
    if (type === 'bool') return v === 'true' || v === '1'
    if (type === 'int64' || type === 'uint64') return v.trim()
    return Number(v)
  })
  return [name, { type: type as TensorType, dims: dims === '' ? [] : dims.split('x').map(Number), data }]
}

/** `name@version` names a model registered on the ledger: nodes know it by its ID. */
async function resolveModelRef(model: string, ledger: string): Promise<string> {
  if (!/^[^@\s]+@[^@\s]+$/.test(model)) return model
  const rpc = await LedgerRpc.connect(ledger)
  try {
    return (await rpc.queryJson<{ id: string }>(`/models/model/${encodeURIComponent(model)}`)).id
  } finally {
    rpc.disconnect()
  }
}

export async function inferCommand(options: InferCommandOptions): Promise<void> {
  const inputs: Record<string, TensorJson> = {}
  if (options.inputs) {
    const text = options.inputs.startsWith('@') ? readFileSync(options.inputs.slice(1), 'utf8') : options.inputs
    try {
      Object.assign(inputs, JSON.parse(text))
    } catch {
      throw new InferOptionError({ reason: '--inputs is not JSON' })
    }
  }
  for (const spec of options.input ?? []) {
    const [name, tensor] = parseInputSpec(spec)
    inputs[name] = tensor
  }
  if (Object.keys(inputs).length === 0) throw new InferOptionError({ reason: 'no inputs: pass --input NAME=TYPE:DIMS:VALUES or --inputs JSON' })
  if (options.mode !== undefined && !INFERENCE_MODES.includes(options.mode as InferenceMode)) throw new InferOptionError({ reason: `--mode must be one of ${INFERENCE_MODES.join(', ')}` })
  const paying = await paymentsFromOptions(options, defaultRpc())
  const client = new HacaClient({ ...(await nodeSourceFromOptions(options, defaultRpc())), timeoutMs: Number(options.timeout ?? 60_000), payments: paying.payments })
  let result
  try {
    result = await client.infer({
      model: await resolveModelRef(options.model, options.ledger ?? defaultRpc()),
      inputs,
      mode: options.mode as InferenceMode | undefined,
      maxPrice: options.maxPrice === undefined ? undefined : BigInt(options.maxPrice),
      encrypted: options.encrypted,
    })
  } finally {
    client.close()
    paying.close()
  }
  printResult(options.json, { model: result.model, outputs: result.outputs, node: result.node.url, receipt: receiptToJson(result.receipt), verified: true }, () => [
    ...Object.entries(result.outputs).map(([name, t]) => `${name} ${t.type}[${t.dims.join('x')}]: ${t.data.join(', ')}`),
    `receipt ${result.receipt.id}`,
    `  node ${result.receipt.node} (${result.node.url}), mode ${result.receipt.mode}, price ${result.receipt.price}; signature verified`,
  ].join('\n'))
}
