/** The storage node's configuration: a JSON file, with command-line flags on top. */
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { BaseError } from '../../core/errors.ts'
import { WALRUS_MAINNET_SHARDS } from '../../storage/blobId.ts'
import { DEFAULT_MAX_BLOB_SIZE } from './app.ts'

export class StorageConfigError extends BaseError {
  override name = 'StorageConfigError' as const
  constructor({ reason, file }: { reason: string; file?: string }) {
    super(`${file ? `${file}: ` : ''}bad storage node config: ${reason}`, { code: 'storage_config_invalid' })
  }
}

export type StorageNodeConfig = {
  dir: string
  host: string
  port: number
  shards: number
  maxBlobSize: number
  /** Bearer token that `PUT /v1/blobs` requires; none unless given. */
  authToken?: string
}

export const DEFAULT_STORAGE_PORT = 31415

/** Flags as commander gives them (strings). */
export type StorageNodeFlags = {
  config?: string
  dir?: string
  host?: string
  port?: string
  shards?: string
  maxBlobSize?: string
}

function positiveInt(value: unknown, what: string, file?: string, { allowZero = false } = {}): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof n !== 'number' || !Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
    throw new StorageConfigError({ reason: `${what} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(value)}`, file })
  }
  return n
}

/**
 * Reads the config file (if any) and applies flags over it. Host and port flags only win when
 * they differ from the CLI defaults, so a config file can set them.
 */
export async function loadStorageNodeConfig(flags: StorageNodeFlags): Promise<StorageNodeConfig> {
  let file: Partial<Record<keyof StorageNodeConfig, unknown>> = {}
  if (flags.config) {
    try {
      file = JSON.parse(await readFile(flags.config, 'utf8'))
    } catch (err) {
      throw new StorageConfigError({ reason: err instanceof Error ? err.message : String(err), file: flags.config })
    }
    if (typeof file !== 'object' || file === null || Array.isArray(file)) throw new StorageConfigError({ reason: 'not a JSON object', file: flags.config })
  }
  const pick = (flag: string | undefined, key: keyof StorageNodeConfig, cliDefault?: string): unknown =>
    flag !== undefined && (flag !== cliDefault || file[key] === undefined) ? flag : file[key]
  const dir = pick(flags.dir, 'dir') ?? join(homedir(), '.haca', 'storage')
  if (typeof dir !== 'string' || dir === '') throw new StorageConfigError({ reason: 'dir must be a path', file: flags.config })
  const host = pick(flags.host, 'host', '127.0.0.1') ?? '127.0.0.1'
  if (typeof host !== 'string') throw new StorageConfigError({ reason: 'host must be a string', file: flags.config })
  const authToken = file.authToken
  if (authToken !== undefined && (typeof authToken !== 'string' || authToken === '')) {
    throw new StorageConfigError({ reason: 'authToken must be a non-empty string', file: flags.config })
  }
  return {
    dir: resolve(dir),
    host,
    port: positiveInt(pick(flags.port, 'port', String(DEFAULT_STORAGE_PORT)) ?? DEFAULT_STORAGE_PORT, 'port', flags.config, { allowZero: true }),
    shards: positiveInt(pick(flags.shards, 'shards') ?? WALRUS_MAINNET_SHARDS, 'shards', flags.config),
    maxBlobSize: positiveInt(pick(flags.maxBlobSize, 'maxBlobSize') ?? DEFAULT_MAX_BLOB_SIZE, 'maxBlobSize', flags.config),
    authToken,
  }
}
