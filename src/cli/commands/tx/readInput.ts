import { readFile } from 'node:fs/promises'
import { BaseError } from '../../../core/errors.ts'

export class InputFileError extends BaseError {
  override name = 'InputFileError' as const
  constructor({ path, reason, cause }: { path: string; reason: string; cause?: unknown }) {
    super(`cannot read ${path === '-' ? 'standard input' : path}: ${reason}`, { code: 'input_file', cause })
  }
}

/** A file's text, or standard input's for "-". */
export async function readInput(path: string): Promise<string> {
  try {
    if (path !== '-') return await readFile(path, 'utf8')
    const parts: Buffer[] = []
    for await (const part of process.stdin) parts.push(part as Buffer)
    return Buffer.concat(parts).toString('utf8')
  } catch (err) {
    const code = (err as { code?: string }).code
    throw new InputFileError({ path, reason: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message, cause: err })
  }
}
