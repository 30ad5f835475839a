import { homedir } from 'node:os'
import { join } from 'node:path'

/** Where haca keeps data unless told otherwise: $HACA_HOME or ~/.haca. */
export function defaultHome(): string {
  return process.env.HACA_HOME ?? join(homedir(), '.haca')
}

export function defaultKeyFile(): string {
  return process.env.HACA_KEY ?? join(defaultHome(), 'keys/default.json')
}

export function defaultRpc(): string {
  return process.env.HACA_NODE ?? 'http://127.0.0.1:26657'
}

export function defaultStorage(): string {
  return process.env.HACA_STORAGE ?? 'http://127.0.0.1:31415'
}
