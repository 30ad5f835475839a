/**
 * The inference node's config file (JSON). Relative paths are relative to the file. Provider
 * keys come from `apiKey` or, better, from the environment variable named by `apiKeyEnv`;
 * they are never logged (the logger redacts them and errors never quote them).
 *
 * @example
 * {
 *   "host": "127.0.0.1", "port": 8080,
 *   "keyFile": "node-key.json", "receiptDir": "receipts",
 *   "models": [{ "id": "mlp", "path": "mlp.onnx", "price": "10" },
 *              { "id": "resnet", "manifestBlobId": "…", "sha256": "…", "price": "50" }],
 *   "storage": { "url": "http://127.0.0.1:31415", "shards": 10, "cacheDir": "model-cache", "maxCacheBytes": 10737418240 },
 *   "ledger": { "rpc": "http://127.0.0.1:26657", "serveRegisteredModels": true },
 *   "providers": [{ "name": "openai", "kind": "openai", "baseURL": "https://api.openai.com/v1",
 *                   "apiKeyEnv": "OPENAI_API_KEY", "models": ["gpt-4o-mini"], "price": "100" }]
 * }
 */
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { InferenceConfigError } from './configError.ts'
import { INFERENCE_MODES, type InferenceMode } from '../../protocol/modes.ts'
import type { OnnxConfig } from './runtimes/onnxRuntime.ts'
import { EXECUTION_PROVIDER_CHOICES, type ExecutionProviderChoice } from './runtimes/executionProvider.ts'
import { type PaymentsConfig, parsePaymentsConfig } from './payments/config.ts'

export type ProviderConfig = {
  name: string
  kind: 'openai' | 'anthropic'
  baseURL?: string
  apiKey?: string
  apiKeyEnv?: string
  /** Model names this provider serves through the node. */
  models: string[]
  /** Price per request, integer units (decimal string in the file). */
  price: bigint
  timeoutMs?: number
}

/** A model from a local file, or from the blob store by manifest blob ID and sha256. */
export type ModelConfig = { id: string; price: bigint } & ({ path: string } | { manifestBlobId: string; sha256: string })

/** The blob store models are fetched from (Walrus or `haca node storage`). */
export type StorageConfig = { publisherUrl: string; aggregatorUrl: string; shards?: number; cacheDir: string; maxCacheBytes: number }

export type InferenceNodeConfig = {
  host: string
  port: number
  keyFile: string
  receiptDir: string
  /**
   * Receipt log segment and preallocation sizes in bytes (defaults 64 MiB and 8 MiB), and when a
   * receipt counts as written: 'background' (default: in the OS before the answer leaves, which
   * SIGKILL cannot lose; on disk about a millisecond later) or 'per-append' (on disk before the
   * answer leaves: survives a power loss too, for ~0.2 ms an answer).
   */
  receiptLog?: { maxSegmentBytes?: number; preallocateBytes?: number; sync?: 'per-append' | 'background'; retainBytes?: number }
  mode: InferenceMode
  maxConcurrent: number
  maxQueue: number
  logLevel: string
  /**
   * `"onnx": { "executionProvider": "cpu" | "cuda" | "auto", "workers": 1, "offload": "busy",
   * "intraOpNumThreads": 1, "graphOptimizationLevel": "all", "maxSessions": 8 }` (all optional).
   */
  onnx: OnnxConfig
  models: ModelConfig[]
  storage?: StorageConfig
  /** The ledger this node reads models from; with `serveRegisteredModels` it serves every registered model by ID. */
  ledger?: { rpc: string; serveRegisteredModels: boolean }
  /**
   * A simulated enclave under the dev network's root (real Nitro/TDX come later), and the
   * node's HPKE key for encrypted requests (created on first start; default `hpke-key.json`).
   */
  tee?: { devRootFile: string; hpkeKeyFile: string }
  /** Self-registration on the ledger's node registry (see selfRegistration.ts). */
  register?: RegisterConfig
  providers: ProviderConfig[]
  /** Vouchers required on paid routes (needs `ledger`); see src/nodes/inference/payments/. */
  payments?: PaymentsConfig
  /** Settle paid receipts on the ledger in batches (needs `ledger` and `payments`); see src/nodes/inference/settlement/. */
  settlement?: SettlementConfig
}

/** `"settlement": { "intervalMs": 2000, "batchSize": 1000, "maxInFlight": 4 }` (batches sent and not yet committed, at most) */
export type SettlementConfig = { intervalMs: number; batchSize: number; maxInFlight: number }

/**
 * `"register": { "rpc": "http://127.0.0.1:26657", "stake": "1000", "endpoint": "http://node.example:8080",
 *   "operatorKeyFile": "operator-key.json", "payout": "0x…", "reattestEveryMs": 1800000 }`
 */
export type RegisterConfig = {
  rpc: string
  /** Locked from the operator's balance at registration (base units). */
  stake: bigint
  /** Where clients reach the node; default `http://<host>:<port>`. */
  endpoint?: string
  /** The account that registers and pays; default the node's signing key. */
  operatorKeyFile?: string
  /** Where payments go; default the operator's address. */
  payout?: string
  /** Re-attestation period; default half the registry's maximum attestation age. */
  reattestEveryMs?: number
}

function parseSettlementConfig(raw: unknown, path: string, hasPayments: boolean): SettlementConfig | undefined {
  if (raw === undefined) return undefined
  if (!hasPayments) throw new InferenceConfigError({ path, reason: '"settlement" needs "ledger" and "payments" sections (receipts settle against payment channels)' })
  const r = (raw ?? {}) as Record<string, unknown>
  const int = (v: unknown, d: number, what: string) => {
    const n = v ?? d
    if (!Number.isInteger(n) || (n as number) < 1) throw new InferenceConfigError({ path, reason: `settlement.${what} must be a positive integer` })
    return n as number
  }
  return { intervalMs: int(r.intervalMs, 2000, 'intervalMs'), batchSize: int(r.batchSize, 1000, 'batchSize'), maxInFlight: int(r.maxInFlight, 4, 'maxInFlight') }
}

function price(path: string, where: string, value: unknown): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value)
  if (typeof value === 'string' && /^[0-9]+$/.test(value)) return BigInt(value)
  throw new InferenceConfigError({ path, reason: `${where}.price must be a non-negative integer (a decimal string for large values)` })
}

function str(path: string, where: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new InferenceConfigError({ path, reason: `${where} must be a non-empty string` })
  return value
}

/** Parses a config object; `path` is used for messages and to resolve relative paths. */
export function parseInferenceConfig(raw: unknown, path: string, env: NodeJS.ProcessEnv = process.env): InferenceNodeConfig {
  if (typeof raw !== 'object' || raw === null) throw new InferenceConfigError({ path, reason: 'not a JSON object' })
  const c = raw as Record<string, any>
  const base = dirname(resolve(path))
  const mode = (c.mode ?? 'vanilla') as InferenceMode
  if (!INFERENCE_MODES.includes(mode)) throw new InferenceConfigError({ path, reason: `mode must be one of ${INFERENCE_MODES.join(', ')}` })
  const port = c.port ?? 8080
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InferenceConfigError({ path, reason: 'port must be 0..65535' })
  const models = (c.models ?? []).map((m: Record<string, unknown>, i: number): ModelConfig => {
    const id = str(path, `models[${i}].id`, m.id)
    const p = price(path, `models[${i}]`, m.price ?? 0)
    if (m.manifestBlobId !== undefined) {
      if (!c.storage) throw new InferenceConfigError({ path, reason: `models[${i}] is in the blob store, but there is no "storage" section` })
      return { id, price: p, manifestBlobId: str(path, `models[${i}].manifestBlobId`, m.manifestBlobId), sha256: str(path, `models[${i}].sha256`, m.sha256) }
    }
    return { id, price: p, path: resolve(base, str(path, `models[${i}].path`, m.path)) }
  })
  let storage: StorageConfig | undefined
  if (c.storage !== undefined) {
    const url = typeof c.storage.url === 'string' ? c.storage.url : undefined
    storage = {
      publisherUrl: str(path, 'storage.publisherUrl', c.storage.publisherUrl ?? url),
      aggregatorUrl: str(path, 'storage.aggregatorUrl', c.storage.aggregatorUrl ?? url),
      shards: typeof c.storage.shards === 'number' ? c.storage.shards : undefined,
      cacheDir: resolve(base, c.storage.cacheDir ?? 'model-cache'),
      maxCacheBytes: typeof c.storage.maxCacheBytes === 'number' ? c.storage.maxCacheBytes : 10 * 2 ** 30,
    }
  }
  const providers = (c.providers ?? []).map((p: Record<string, unknown>, i: number): ProviderConfig => {
    const where = `providers[${i}]`
    const kind = p.kind
    if (kind !== 'openai' && kind !== 'anthropic') throw new InferenceConfigError({ path, reason: `${where}.kind must be "openai" or "anthropic"` })
    let apiKey = typeof p.apiKey === 'string' ? p.apiKey : undefined
    if (apiKey === undefined && typeof p.apiKeyEnv === 'string') {
      apiKey = env[p.apiKeyEnv]
      if (!apiKey) throw new InferenceConfigError({ path, reason: `${where}: environment variable ${p.apiKeyEnv} is not set` })
    }
    if (!Array.isArray(p.models) || p.models.length === 0) throw new InferenceConfigError({ path, reason: `${where}.models must list at least one model name` })
    return {
      name: str(path, `${where}.name`, p.name),
      kind,
      baseURL: p.baseURL === undefined ? undefined : str(path, `${where}.baseURL`, p.baseURL),
      apiKey,
      apiKeyEnv: typeof p.apiKeyEnv === 'string' ? p.apiKeyEnv : undefined,
      models: p.models.map((m, j) => str(path, `${where}.models[${j}]`, m)),
      price: price(path, where, p.price ?? 0),
      timeoutMs: typeof p.timeoutMs === 'number' ? p.timeoutMs : undefined,
    }
  })
  return {
    host: c.host ?? '127.0.0.1',
    port,
    keyFile: resolve(base, c.keyFile ?? 'node-key.json'),
    receiptDir: resolve(base, c.receiptDir ?? 'receipts'),
    receiptLog: receiptLogOf(path, c.receiptLog, c.settlement !== undefined),
    mode,
    maxConcurrent: c.maxConcurrent ?? 64,
    maxQueue: c.maxQueue ?? 1024,
    logLevel: c.logLevel ?? 'info',
    onnx: onnxOf(path, c.onnx),
    models,
    storage,
    ledger: c.ledger === undefined ? undefined : { rpc: str(path, 'ledger.rpc', c.ledger.rpc), serveRegisteredModels: c.ledger.serveRegisteredModels !== false },
    tee: c.tee === undefined ? undefined : { devRootFile: resolve(base, str(path, 'tee.devRootFile', c.tee.devRootFile)), hpkeKeyFile: resolve(base, c.tee.hpkeKeyFile ?? 'hpke-key.json') },
    register: c.register === undefined ? undefined : parseRegisterConfig(c.register, path, base),
    providers,
    payments: c.payments === undefined ? undefined : parsePaymentsConfig(c.payments, path, base, c.ledger !== undefined),
    settlement: parseSettlementConfig(c.settlement, path, c.payments !== undefined && c.ledger !== undefined),
  }
}

function parseRegisterConfig(r: Record<string, unknown>, path: string, base: string): RegisterConfig {
  if (typeof r !== 'object' || r === null) throw new InferenceConfigError({ path, reason: 'register must be an object' })
  const stake = r.stake ?? '0'
  if (typeof stake !== 'string' || !/^[0-9]+$/.test(stake)) throw new InferenceConfigError({ path, reason: 'register.stake must be a decimal string' })
  if (r.endpoint !== undefined && !/^https?:\/\/\S+$/.test(String(r.endpoint))) throw new InferenceConfigError({ path, reason: 'register.endpoint must be an http(s) URL' })
  if (r.reattestEveryMs !== undefined && !(Number.isSafeInteger(r.reattestEveryMs) && (r.reattestEveryMs as number) >= 1000)) {
    throw new InferenceConfigError({ path, reason: 'register.reattestEveryMs must be an integer of at least 1000' })
  }
  return {
    rpc: str(path, 'register.rpc', r.rpc),
    stake: BigInt(stake),
    endpoint: r.endpoint as string | undefined,
    operatorKeyFile: r.operatorKeyFile === undefined ? undefined : resolve(base, str(path, 'register.operatorKeyFile', r.operatorKeyFile)),
    payout: r.payout === undefined ? undefined : str(path, 'register.payout', r.payout),
    reattestEveryMs: r.reattestEveryMs as number | undefined,
  }
}

export async function loadInferenceConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<InferenceNodeConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new InferenceConfigError({ path, reason: 'cannot be read', cause: err })
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (err) {
    throw new InferenceConfigError({ path, reason: 'is not JSON', cause: err })
  }
  return parseInferenceConfig(raw, path, env)
}

function receiptLogOf(path: string, r: unknown, settles: boolean): InferenceNodeConfig['receiptLog'] {
  if (r === undefined) return undefined
  if (typeof r !== 'object' || r === null) throw new InferenceConfigError({ path, reason: '"receiptLog" must be an object' })
  const { sync, maxSegmentBytes, preallocateBytes, retainBytes } = r as Record<string, unknown>
  if (sync !== undefined && sync !== 'per-append' && sync !== 'background') throw new InferenceConfigError({ path, reason: `receiptLog.sync must be "per-append" or "background", not ${JSON.stringify(sync)}` })
  for (const [name, v] of [['maxSegmentBytes', maxSegmentBytes], ['preallocateBytes', preallocateBytes], ['retainBytes', retainBytes]] as const) {
    if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0)) throw new InferenceConfigError({ path, reason: `receiptLog.${name} must be a positive integer (bytes)` })
  }
  // Settled segments are deleted on settlement; deleting unsettled ones would drop unpaid receipts.
  if (retainBytes !== undefined && settles) throw new InferenceConfigError({ path, reason: 'receiptLog.retainBytes is for nodes that do not settle: with "settlement", receipts are deleted once settled' })
  return { sync, maxSegmentBytes: maxSegmentBytes as number | undefined, preallocateBytes: preallocateBytes as number | undefined, retainBytes: retainBytes as number | undefined }
}

const GRAPH_OPTIMIZATION_LEVELS = ['disabled', 'basic', 'extended', 'all'] as const

function onnxOf(path: string, o: unknown): OnnxConfig {
  if (o === undefined) return {}
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new InferenceConfigError({ path, reason: '"onnx" must be an object' })
  const { executionProvider, graphOptimizationLevel, offload, intraOpNumThreads, maxSessions, workers, ...unknown } = o as Record<string, unknown>
  const extra = Object.keys(unknown)
  if (extra.length) throw new InferenceConfigError({ path, reason: `onnx has unknown field(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}` })
  const oneOf = <T extends string>(name: string, v: unknown, allowed: readonly T[]): T | undefined => {
    if (v === undefined || allowed.includes(v as T)) return v as T | undefined
    throw new InferenceConfigError({ path, reason: `onnx.${name} must be ${allowed.map((a) => `"${a}"`).join(', ')}, not ${JSON.stringify(v)}` })
  }
  const integer = (name: string, v: unknown, min: number): number | undefined => {
    if (v === undefined || (Number.isSafeInteger(v) && (v as number) >= min)) return v as number | undefined
    throw new InferenceConfigError({ path, reason: `onnx.${name} must be an integer of at least ${min}, not ${JSON.stringify(v)}` })
  }
  const config: OnnxConfig = {
    executionProvider: oneOf<ExecutionProviderChoice>('executionProvider', executionProvider, EXECUTION_PROVIDER_CHOICES),
    graphOptimizationLevel: oneOf('graphOptimizationLevel', graphOptimizationLevel, GRAPH_OPTIMIZATION_LEVELS),
    offload: oneOf('offload', offload, ['busy', 'always'] as const),
    intraOpNumThreads: integer('intraOpNumThreads', intraOpNumThreads, 1),
    maxSessions: integer('maxSessions', maxSessions, 1),
    workers: integer('workers', workers, 0),
  }
  // Absent fields stay absent, so the runtime's defaults apply.
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) as OnnxConfig
}
