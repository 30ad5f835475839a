/** `haca node storage`: runs the embedded Walrus-compatible store until SIGINT/SIGTERM. */
import pino from 'pino'
import { loadStorageNodeConfig, type StorageNodeFlags } from '../../../nodes/storage/config.ts'
import { createStorageServer } from '../../../nodes/storage/app.ts'
import { printResult } from '../../output.ts'

export type NodeStorageOptions = StorageNodeFlags & { json?: boolean }

export async function nodeStorage(options: NodeStorageOptions): Promise<void> {
  const config = await loadStorageNodeConfig(options)
  // Logs go to stderr so that stdout carries only the endpoint (JSON with --json).
  const logger = pino({ name: 'haca-storage', level: process.env.HACA_LOG_LEVEL ?? 'info' }, pino.destination(2))
  const server = await createStorageServer({ ...config, logger })
  const url = await server.app.listen({ host: config.host, port: config.port })
  // The shard count can lower the size limit (Walrus cannot encode larger blobs with fewer shards).
  const maxBlobSize = server.blobs.maxBlobSize
  printResult(
    options.json,
    { url, publisherUrl: url, aggregatorUrl: url, dir: config.dir, shards: config.shards, maxBlobSize, pid: process.pid },
    () => `storage node listening on ${url} (dir ${config.dir}, ${config.shards} shards, blobs up to ${maxBlobSize} bytes)`,
  )
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await server.close()
}
