/**
 * `haca dev`: the ledger under the embedded engine, in this process, with a CometBFT-compatible
 * RPC on loopback. Data lives under one home directory and survives restarts.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { readKeyFile, writeKeyFile } from '../core/keyfile.ts'
import type { Address } from '../core/keys.ts'
import { type AppGenesisState, LOCAL_NETWORK_PARAMS, cometGenesis } from '../consensus/cometbft/genesis.ts'
import { BlockStore } from '../consensus/embedded/block-store.ts'
import { EmbeddedEngine } from '../consensus/embedded/engine.ts'
import { buildRpcServer } from '../consensus/embedded/rpc-server.ts'
import { LevelKv } from '../consensus/leveldb-kv.ts'
import { LedgerApp } from '../ledger/app.ts'
import { startStorageServer } from '../nodes/storage/app.ts'

export type DevOptions = {
  home: string
  port?: number
  host?: string
  chainId?: string
  blockTimeMs?: number
  emptyBlockMs?: number
  accounts?: Array<{ address: Address; balance: string }>
  /** Blob store port (0: any free port; default 31415). */
  storagePort?: number
  storageShards?: number
  reset?: boolean
  onFatal?: (err: unknown) => void
}

export type RunningDev = { engine: EmbeddedEngine; rpc: string; storage: string; chainId: string; demoKeyFile: string; demoAddress: Address; home: string; close(): Promise<void> }

export async function startDev(o: DevOptions): Promise<RunningDev> {
  const home = resolve(o.home)
  if (o.reset) await rm(home, { recursive: true, force: true })
  await mkdir(home, { recursive: true })
  const demoKeyFile = join(home, 'keys/demo.json')
  const demo = existsSync(demoKeyFile) ? await readKeyFile(demoKeyFile) : await writeKeyFile(demoKeyFile)
  const genesisFile = join(home, 'genesis.json')
  if (!existsSync(genesisFile)) {
    const appState: AppGenesisState = { accounts: [{ address: demo.address, balance: '1000000000000' }, ...(o.accounts ?? [])], params: LOCAL_NETWORK_PARAMS }
    const doc = cometGenesis({ chainId: o.chainId ?? 'haca-dev', genesisTime: '2026-01-01T00:00:00Z', validators: [], appState })
    await writeFile(genesisFile, `${JSON.stringify(doc, null, 2)}\n`)
  }
  const genesis = JSON.parse(await readFile(genesisFile, 'utf8'))
  const kv = await LevelKv.open(join(home, 'ledger'))
  const blocks = await BlockStore.open(join(home, 'blocks'))
  const app = await LedgerApp.open(kv)
  const engine = new EmbeddedEngine({
    app,
    blocks,
    genesis: { chainId: genesis.chain_id, appState: genesis.app_state, genesisTime: genesis.genesis_time },
    blockTimeMs: o.blockTimeMs,
    emptyBlockMs: o.emptyBlockMs,
    onFatal: o.onFatal,
  })
  await engine.start()
  const server = buildRpcServer(engine, genesis)
  const address = await server.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 26657 })
  const storage = await startStorageServer({ dir: join(home, 'storage'), shards: o.storageShards ?? 1000, host: o.host ?? '127.0.0.1', port: o.storagePort ?? 31415 })
  return {
    engine,
    rpc: address,
    storage: storage.url,
    chainId: genesis.chain_id,
    demoKeyFile,
    demoAddress: demo.address,
    home,
    async close() {
      await storage.close()
      await server.close()
      await engine.stop()
      await blocks.close()
      await kv.close()
    },
  }
}
