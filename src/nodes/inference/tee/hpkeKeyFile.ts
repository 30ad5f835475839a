/** The node's HPKE key pair on disk (JSON, mode 0600), created on first start. Never logged. */
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { fromHex, toHex } from '../../../core/bytes.ts'
import { BaseError } from '../../../core/errors.ts'
import { type HpkeKem, HpkeKeyPair } from '../../../attestation/hpkeKeys.ts'

export class HpkeKeyFileError extends BaseError {
  override name = 'HpkeKeyFileError' as const
  constructor({ path, reason, cause }: { path: string; reason: string; cause?: unknown }) {
    super(`cannot use HPKE key file ${path}: ${reason}`, { code: 'hpke_key_file', cause })
  }
}

/**
 * Reads the key pair at `path`, or generates one and writes it there (0600).
 *
 * @example
 * const hpke = await loadOrCreateHpkeKeyFile('./hpke-key.json')
 */
export async function loadOrCreateHpkeKeyFile(path: string): Promise<HpkeKeyPair> {
  if (existsSync(path)) {
    let body: { kem?: HpkeKem; privateKey?: string }
    try {
      body = JSON.parse(await readFile(path, 'utf8'))
    } catch (cause) {
      throw new HpkeKeyFileError({ path, reason: 'not JSON', cause })
    }
    if (typeof body.privateKey !== 'string') throw new HpkeKeyFileError({ path, reason: 'no "privateKey"' })
    return HpkeKeyPair.fromPrivateKey(fromHex(body.privateKey), body.kem ?? 'x25519')
  }
  const pair = await HpkeKeyPair.generate()
  await mkdir(dirname(path), { recursive: true })
  const tmp = `${path}.tmp-${process.pid}`
  await writeFile(tmp, `${JSON.stringify({ kem: pair.kem, publicKey: toHex(pair.publicKey), privateKey: toHex(await pair.exportPrivateKey()) }, null, 2)}\n`, { mode: 0o600 })
  await rename(tmp, path)
  return pair
}
