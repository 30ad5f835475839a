import { join } from 'node:path'
import { BlockStore } from '../../src/consensus/embedded/block-store.ts'
import { EmbeddedEngine } from '../../src/consensus/embedded/engine.ts'
import { buildRpcServer } from '../../src/consensus/embedded/rpc-server.ts'
import { LevelKv } from '../../src/consensus/leveldb-kv.ts'
import { LedgerApp } from '../../src/ledger/app.ts'

/** A ledger under the embedded engine with any genesis app_state, served over real loopback HTTP. */
export async function startEmbeddedChain(dir: string, chainId: string, appState: Record<string, unknown>): Promise<{ rpc: string; engine: EmbeddedEngine; close(): Promise<void> }> {
  const kv = await LevelKv.open(join(dir, 'ledger'))
  const blocks = await BlockStore.open(join(dir, 'blocks'))
  const app = await LedgerApp.open(kv)
  const engine = new EmbeddedEngine({ app, blocks, genesis: { chainId, appState, genesisTime: '2026-01-01T00:00:00Z' }, blockTimeMs: 20, emptyBlockMs: 100 })
  await engine.start()
  const server = buildRpcServer(engine, { chain_id: chainId, app_state: appState })
  const rpc = await server.listen({ host: '127.0.0.1', port: 0 })
  return {
    rpc,
    engine,
    async close() {
      await server.close()
      await engine.stop()
      await blocks.close()
      await kv.close()
    },
  }
}
