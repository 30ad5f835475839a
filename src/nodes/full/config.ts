import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { BaseError } from '../../core/errors.ts'

/** Config of `haca node full`: where the ledger keeps its state and where CometBFT reaches it. */
export type FullNodeConfig = {
  /** Directory of the ledger's LevelDB state (relative paths are relative to the config file). */
  dataDir: string
  /** ABCI listen address: `tcp://127.0.0.1:26658` or `unix:///path`. */
  abci: string
  logLevel?: string
}

export class ConfigError extends BaseError {
  override name = 'ConfigError' as const
  constructor({ path, reason }: { path: string; reason: string }) {
    super(`config ${path}: ${reason}`, { code: 'invalid_config' })
  }
}

export async function readFullNodeConfig(path: string): Promise<FullNodeConfig> {
  let raw: any
  try {
    raw = JSON.parse(await readFile(path, 'utf8'))
  } catch (err) {
    throw new ConfigError({ path, reason: `cannot read it as JSON (${(err as Error).message})` })
  }
  if (typeof raw?.dataDir !== 'string') throw new ConfigError({ path, reason: '"dataDir" (a directory) is required' })
  if (typeof raw?.abci !== 'string' || !/^(tcp:\/\/[^/]+:\d+|unix:\/\/.+)$/.test(raw.abci)) {
    throw new ConfigError({ path, reason: '"abci" must be tcp://HOST:PORT or unix:///PATH' })
  }
  return { dataDir: resolve(dirname(path), raw.dataDir), abci: raw.abci, logLevel: raw.logLevel }
}
