/**
 * `haca devnet`: N CometBFT validators on loopback, each with its own ledger process, under
 * one home directory. Preparing is idempotent: an existing devnet home is reused (so a
 * restarted devnet keeps its chain), unless `reset` is asked for.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream, existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BaseError } from '../core/errors.ts'
import { readKeyFile, writeKeyFile } from '../core/keyfile.ts'
import type { Address } from '../core/keys.ts'
import { type AppGenesisState, LOCAL_NETWORK_PARAMS, cometGenesis } from '../consensus/cometbft/genesis.ts'
import { type ValidatorIdentity, type ValidatorPorts, configureCometHome, initCometHome } from '../consensus/cometbft/home.ts'
import { startCometbft } from '../consensus/cometbft/process.ts'
import { waitForHeight } from '../client/ledger/wait.ts'
import { STAND_IN_MODEL } from './providerStandIn.ts'
import { type DevnetRegistry, devnetRegistryGenesis, prepareDevnetRegistry } from './devnetRegistry.ts'

const HACA_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/haca.js')

export type DevnetOptions = {
  home: string
  validators: number
  chainId?: string
  /**
   * Validator i uses basePort + 10·i + {6: p2p, 7: rpc, 8: abci}; the storage node and the
   * inference nodes sit at 31415 + (basePort − 26650) and just above. Keep all of them below
   * 32768, where Linux's ephemeral ports start: there an outgoing socket can hold a port first.
   */
  basePort?: number
  timeoutCommit?: string
  /** Extra genesis balances (tests and benches fund their own accounts). */
  accounts?: Array<{ address: Address; balance: string }>
  /** Shard count of the storage node's blob IDs (Walrus mainnet: 1000; tests use fewer, which is faster). */
  storageShards?: number
  /**
   * A node registry in genesis (dev root, simulated-enclave PCRs, funded inference node keys),
   * and inference nodes that register themselves on start. Off by default: without it the
   * chain has no registry section (so its app hashes match the embedded engine's).
   */
  registry?: boolean
  /**
   * With a registry: inference nodes require payment vouchers on paid models and settle their
   * receipts on the ledger (genesis gets a payments section). Off by default.
   */
  payments?: boolean
  reset?: boolean
}

export type DevnetValidator = { index: number; ports: ValidatorPorts; cometHome: string; appConfig: string; rpc: string; identity: ValidatorIdentity }

export type DevnetStorage = { url: string; port: number; dir: string; shards: number }

export type DevnetInference = { url: string; port: number; config: string; address: Address }

export type DevnetLayout = {
  home: string
  chainId: string
  validators: DevnetValidator[]
  storage: DevnetStorage
  /** OpenAI-compatible stand-in provider that inference node 1 forwards chat to. */
  providerStandIn?: string
  inference: DevnetInference[]
  /** `[{ url, address }]` of the inference nodes, for `haca infer --nodes-file` (its default). */
  nodesFile: string
  demoKeyFile: string
  demoAddress: Address
  /** Present when the devnet has a node registry: its dev root file (0600) and fingerprint. */
  registry?: DevnetRegistry
}

export class DevnetError extends BaseError {
  override name = 'DevnetError' as const
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'devnet', cause })
  }
}

/** The storage node's port: 31415 (the `haca node storage` default) for the default base port, shifted with it otherwise. */
export function storagePort(basePort: number): number {
  return 31415 + (basePort - 26650)
}

export function validatorPorts(basePort: number, i: number): ValidatorPorts {
  return { p2p: basePort + 10 * i + 6, rpc: basePort + 10 * i + 7, abci: basePort + 10 * i + 8 }
}

export async function prepareDevnet(opts: DevnetOptions): Promise<DevnetLayout> {
  const home = resolve(opts.home)
  const layoutFile = join(home, 'devnet.json')
  if (opts.reset) await rm(home, { recursive: true, force: true })
  if (existsSync(layoutFile)) {
    const layout = JSON.parse(await readFile(layoutFile, 'utf8')) as DevnetLayout
    // Homes written before the devnet had a storage node get one at the default place.
    layout.inference ??= []
    layout.nodesFile ??= join(home, 'nodes.json')
    layout.storage ??= { url: `http://127.0.0.1:${storagePort(opts.basePort ?? 26650)}`, port: storagePort(opts.basePort ?? 26650), dir: join(home, 'storage'), shards: opts.storageShards ?? 1000 }
    if (layout.validators.length !== opts.validators) {
      throw new DevnetError(`${home} holds a devnet of ${layout.validators.length} validator(s), not ${opts.validators}: use --reset to start over, or another --home`)
    }
    return layout
  }
  await mkdir(home, { recursive: true })
  const chainId = opts.chainId ?? 'haca-devnet'
  const basePort = opts.basePort ?? 26650
  const timeoutCommit = opts.timeoutCommit ?? '500ms'
  const demoKeyFile = join(home, 'keys/demo.json')
  const demo = existsSync(demoKeyFile) ? await readKeyFile(demoKeyFile) : await writeKeyFile(demoKeyFile)

  const validators: DevnetValidator[] = []
  for (let i = 0; i < opts.validators; i++) {
    const cometHome = join(home, `validator-${i}/cometbft`)
    const identity = await initCometHome(cometHome)
    const ports = validatorPorts(basePort, i)
    const appConfig = join(home, `validator-${i}/ledger.json`)
    await writeFile(appConfig, `${JSON.stringify({ dataDir: './ledger-data', abci: `tcp://127.0.0.1:${ports.abci}`, logLevel: 'warn' }, null, 2)}\n`)
    validators.push({ index: i, ports, cometHome, appConfig, rpc: `http://127.0.0.1:${ports.rpc}`, identity })
  }
  const registry = opts.registry ? await prepareDevnetRegistry(home, demo.address) : undefined
  const appState: AppGenesisState = {
    accounts: [{ address: demo.address, balance: '1000000000000' }, ...(registry?.accounts ?? []), ...(opts.accounts ?? [])],
    params: LOCAL_NETWORK_PARAMS,
    ...(registry ? { registry: devnetRegistryGenesis(registry) } : {}),
    ...(registry && opts.payments ? { payments: { feeBps: '100', challengePeriodMs: '600000' } } : {}),
  }
  // A fixed genesis time keeps the document a pure function of its inputs.
  const genesis = cometGenesis({ chainId, genesisTime: '2026-01-01T00:00:00Z', validators: validators.map((v) => v.identity), appState })
  for (const v of validators) {
    const peers = ringNeighbours(validators, v.index).map((o) => `${o.identity.nodeId}@127.0.0.1:${o.ports.p2p}`)
    await configureCometHome(v.cometHome, { moniker: `validator-${v.index}`, ports: v.ports, persistentPeers: peers, timeoutCommit, indexTxs: v.index === 0 })
    await writeFile(join(v.cometHome, 'config/genesis.json'), `${JSON.stringify(genesis, null, 2)}\n`)
  }
  const sPort = storagePort(basePort)
  const storage: DevnetStorage = { url: `http://127.0.0.1:${sPort}`, port: sPort, dir: join(home, 'storage'), shards: opts.storageShards ?? 1000 }
  const providerStandIn = `http://127.0.0.1:${sPort + 2}`
  const inference = [
    await writeInferenceConfig(home, 0, sPort + 1, storage, validators[0].rpc, undefined, registry, opts.payments),
    await writeInferenceConfig(home, 1, sPort + 3, storage, validators[0].rpc, { name: 'standin', kind: 'openai', baseURL: `${providerStandIn}/v1`, apiKey: 'standin', models: [STAND_IN_MODEL], price: '1' }, registry, opts.payments),
  ]
  const nodesFile = join(home, 'nodes.json')
  await writeFile(nodesFile, `${JSON.stringify(inference.map((n) => ({ url: n.url, address: n.address })), null, 2)}\n`)
  const layout: DevnetLayout = { home, chainId, validators, storage, providerStandIn, inference, nodesFile, demoKeyFile, demoAddress: demo.address, ...(registry ? { registry: registry.layout } : {}) }
  await writeFile(layoutFile, `${JSON.stringify(layout, null, 2)}\n`)
  return layout
}

/** An inference node serving every model registered on the ledger, from the devnet's store. */
/**
 * Validators peer in a ring (each with its neighbours up to k places either side), not all with
 * all: a transaction then reaches each mempool once or twice instead of from every peer. In a
 * full mesh of four, each settlement batch (MBs) crossed the network nine times, and CometBFT
 * formats every duplicate it receives as hex for a debug log line, whatever the log level.
 * k is the least that keeps the ring connected with as many validators down as consensus
 * tolerates (f = ⌊(n−1)/3⌋; a ring of reach k stays connected without any 2k − 1 of them).
 */
export function ringNeighbours<T>(validators: T[], i: number): T[] {
  const n = validators.length
  const tolerated = Math.floor((n - 1) / 3)
  const reach = Math.max(1, Math.ceil((tolerated + 1) / 2))
  if (n <= 2 * reach + 1) return validators.filter((_, j) => j !== i)
  const out: T[] = []
  for (let d = 1; d <= reach; d++) out.push(validators[(i + n - d) % n], validators[(i + d) % n])
  return out
}

async function writeInferenceConfig(home: string, i: number, port: number, storage: DevnetStorage, rpc: string, provider?: Record<string, unknown>, registry?: { layout: DevnetRegistry; nodeKeys: Address[] }, payments?: boolean): Promise<DevnetInference> {
  const dir = join(home, `inference-${i}`)
  const keyFile = join(dir, 'node-key.json')
  // With a registry, the key was made (and funded in genesis) before the genesis was written.
  const key = existsSync(keyFile) ? await readKeyFile(keyFile) : await writeKeyFile(keyFile)
  const config = join(dir, 'config.json')
  const body = {
    host: '127.0.0.1',
    port,
    keyFile: 'node-key.json',
    receiptDir: 'receipts',
    logLevel: 'warn',
    storage: { url: storage.url, shards: storage.shards, cacheDir: 'model-cache' },
    ledger: { rpc, serveRegisteredModels: true },
    providers: provider ? [provider] : [],
    // The simulated enclave under the devnet's dev root; the node registers itself (stake and fees from its own key).
    ...(registry ? { mode: 'tee', tee: { devRootFile: relative(dir, registry.layout.devRootFile) }, register: { rpc, stake: registry.layout.minStake, endpoint: `http://127.0.0.1:${port}` } } : {}),
    // Clients pay with vouchers over payment channels; paid receipts settle on the ledger every few seconds.
    ...(registry && payments ? { payments: { required: true, voucherLog: 'vouchers.log' }, settlement: { intervalMs: 3000, batchSize: 1000 } } : {}),
  }
  await writeFile(config, `${JSON.stringify(body, null, 2)}\n`)
  return { url: `http://127.0.0.1:${port}`, port, config, address: key.address }
}

export type ValidatorProcesses = { app: ChildProcess; comet: ChildProcess }

export class RunningDevnet {
  readonly processes: Array<ValidatorProcesses | undefined> = []
  storage: ChildProcess | undefined
  inference: ChildProcess[] = []
  standIn: ChildProcess | undefined

  constructor(readonly layout: DevnetLayout) {}

  /** Starts validator i's ledger, waits for its ABCI port, then starts its CometBFT. */
  async startValidator(i: number): Promise<void> {
    const v = this.layout.validators[i]
    const logDir = dirname(v.appConfig)
    const app = this.spawnLogged(['node', 'full', '--config', v.appConfig], join(logDir, 'ledger.log'))
    await waitForPort(v.ports.abci, app, 30_000)
    const comet = startCometbft(v.cometHome, join(logDir, 'cometbft.log'))
    this.processes[i] = { app, comet }
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.layout.validators.length; i++) await this.startValidator(i)
    await this.startStorage()
    await waitForHeight(this.layout.validators[0].rpc, 1, 60_000)
    if (this.layout.providerStandIn) {
      const port = Number(new URL(this.layout.providerStandIn).port)
      this.standIn = this.spawnLogged(['node', 'provider-standin', '--port', String(port)], join(this.layout.home, 'provider-standin.log'))
      await waitForPort(port, this.standIn, 30_000)
    }
    for (const n of this.layout.inference ?? []) await this.startInference(n)
  }

  async startInference(n: DevnetInference): Promise<void> {
    const child = this.spawnLogged(['node', 'inference', '--config', n.config], join(dirname(n.config), 'node.log'))
    this.inference.push(child)
    await waitForPort(n.port, child, 60_000)
  }

  private spawnLogged(args: string[], logFile: string): ChildProcess {
    const child = spawn(process.execPath, [HACA_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    const log = createWriteStream(logFile, { flags: 'a' })
    child.stdout?.pipe(log)
    child.stderr?.pipe(log)
    return child
  }

  /** The network's blob store: `haca node storage` as a child process. */
  async startStorage(): Promise<void> {
    const s = this.layout.storage
    const child = this.spawnLogged(['node', 'storage', '--dir', s.dir, '--port', String(s.port), '--shards', String(s.shards)], join(this.layout.home, 'storage.log'))
    this.storage = child
    await waitForPort(s.port, child, 30_000)
  }

  /** Stops validator i: CometBFT first (so it stops calling the app), then the ledger. */
  async stopValidator(i: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.processes[i]
    if (!p) return
    this.processes[i] = undefined
    await stopChild(p.comet, signal)
    await stopChild(p.app, signal)
  }

  async stop(): Promise<void> {
    await Promise.all(this.inference.map((c) => stopChild(c)))
    this.inference = []
    if (this.standIn) await stopChild(this.standIn)
    this.standIn = undefined
    await Promise.all(this.layout.validators.map((_, i) => this.stopValidator(i)))
    if (this.storage) await stopChild(this.storage)
    this.storage = undefined
  }
}

export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill(signal)
  })
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const { connect } = await import('node:net')
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new DevnetError(`a devnet process exited (code ${child.exitCode}) before listening on ${port}; see the logs under the devnet home`)
    const ok = await new Promise<boolean>((res) => {
      const s = connect(port, '127.0.0.1')
      s.once('connect', () => {
        s.destroy()
        res(true)
      })
      s.once('error', () => res(false))
    })
    if (ok) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new DevnetError(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`)
}
