import { mkdir } from 'node:fs/promises'
import pino from 'pino'
import { LedgerApp } from '../../ledger/app.ts'
import { AbciServer } from '../../consensus/abci/server.ts'
import { LevelKv } from '../../consensus/leveldb-kv.ts'
import type { FullNodeConfig } from './config.ts'

export type RunningFullNode = { app: LedgerApp; close(): Promise<void> }

/** Opens the ledger's state and serves it to CometBFT over ABCI. */
export async function startFullNode(config: FullNodeConfig): Promise<RunningFullNode> {
  const logger = pino({ level: config.logLevel ?? 'info', name: 'haca-full' })
  await mkdir(config.dataDir, { recursive: true })
  const kv = await LevelKv.open(config.dataDir)
  const app = await LedgerApp.open(kv)
  const server = new AbciServer({
    app,
    address: config.abci,
    logger,
    // State we cannot write or trust must stop the node: CometBFT replays from our last commit on restart.
    onFatal: (err) => {
      logger.fatal({ err }, 'stopping: the ledger cannot continue safely')
      process.exit(70)
    },
  })
  await server.listen()
  logger.info({ abci: config.abci, height: app.height }, 'ledger listening for CometBFT')
  return {
    app,
    async close() {
      await server.close()
      await kv.close()
    },
  }
}
