/**
 * Dev root storage: one PEM file (certificate + PKCS#8 key) that the user names, normally
 * under the network home. Written with mode 0600 and never over an existing file.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { BaseError } from '../core/errors.ts'
import { DevRoot } from './devRoot.ts'

export class DevRootFileError extends BaseError {
  override name = 'DevRootFileError' as const
  constructor({ path, reason, cause }: { path: string; reason: string; cause?: unknown }) {
    super(`dev root file ${path}: ${reason}`, { code: 'dev_root_file', cause })
  }
}

/**
 * Writes `root` to `path` (mode 0600); refuses to replace an existing file.
 *
 * @example
 * await writeDevRootFile(join(home, 'attestation-dev-root.pem'), await DevRoot.generate())
 */
export async function writeDevRootFile(path: string, root: DevRoot): Promise<void> {
  try {
    await writeFile(path, await root.toPem(), { mode: 0o600, flag: 'wx' })
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === 'EEXIST' ? 'already exists' : 'cannot be written'
    throw new DevRootFileError({ path, reason, cause })
  }
}

/**
 * Reads a dev root written by `writeDevRootFile`.
 *
 * @example
 * const root = await readDevRootFile(join(home, 'attestation-dev-root.pem'))
 */
export async function readDevRootFile(path: string): Promise<DevRoot> {
  let pem: string
  try {
    pem = await readFile(path, 'utf8')
  } catch (cause) {
    throw new DevRootFileError({ path, reason: 'cannot be read', cause })
  }
  return DevRoot.fromPem(pem)
}
