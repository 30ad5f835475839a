/**
 * Key files: JSON `{ "address": "0x…", "privateKey": "0x…" }`, written with mode 0600. The
 * private key never leaves this module except as bytes to sign with.
 */
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import { BaseError } from './errors.ts'
import { toHex } from './bytes.ts'
import { type Address, addressOf, generatePrivateKey, privateKeyFromHex } from './keys.ts'

export type KeyFile = { address: Address; privateKey: Uint8Array }

export class KeyFileError extends BaseError {
  override name = 'KeyFileError' as const
  constructor({ path, reason, cause }: { path: string; reason: string; cause?: unknown }) {
    super(`cannot use key file ${path}: ${reason}`, { code: 'key_file', cause })
  }
}

export async function writeKeyFile(path: string, privateKey = generatePrivateKey(), { overwrite = false } = {}): Promise<KeyFile> {
  const address = addressOf(privateKey)
  await mkdir(dirname(path), { recursive: true })
  const body = `${JSON.stringify({ address, privateKey: toHex(privateKey) }, null, 2)}\n`
  const tmp = `${path}.tmp-${process.pid}`
  await writeFile(tmp, body, { mode: 0o600, flag: 'w' })
  if (!overwrite) {
    try {
      await readFile(path)
      throw new KeyFileError({ path, reason: 'it already exists (refusing to overwrite a key)' })
    } catch (err) {
      if (err instanceof KeyFileError) throw err
    }
  }
  await rename(tmp, path)
  return { address, privateKey }
}

export async function readKeyFile(path: string): Promise<KeyFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new KeyFileError({ path, reason: 'it cannot be read', cause: err })
  }
  let parsed: { privateKey?: unknown }
  try {
    parsed = JSON.parse(text)
  } catch {
    // A bare hex private key on one line is accepted too, as exported by most wallets.
    parsed = { privateKey: text.trim() }
  }
  if (typeof parsed.privateKey !== 'string') throw new KeyFileError({ path, reason: 'no "privateKey" field' })
  const privateKey = privateKeyFromHex(parsed.privateKey)
  return { address: addressOf(privateKey), privateKey }
}
