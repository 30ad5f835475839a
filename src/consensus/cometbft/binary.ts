import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { BaseError } from '../../core/errors.ts'

export const COMETBFT_VERSION = '0.38.25'
const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

export class CometBftMissingError extends BaseError {
  override name = 'CometBftMissingError' as const
  constructor() {
    super(`CometBFT v${COMETBFT_VERSION} is not installed: run \`bash scripts/setup.sh\` (it builds it with go install into .tools/bin)`, {
      code: 'cometbft_missing',
    })
  }
}

/** The project's CometBFT (.tools/bin), else HACA_COMETBFT, else one on PATH. */
export function cometbftPath(): string {
  const local = join(PROJECT_ROOT, '.tools/bin/cometbft')
  if (existsSync(local)) return local
  if (process.env.HACA_COMETBFT && existsSync(process.env.HACA_COMETBFT)) return process.env.HACA_COMETBFT
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, 'cometbft')
    if (dir && existsSync(p)) return p
  }
  throw new CometBftMissingError()
}

export async function runCometbft(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(cometbftPath(), args, { maxBuffer: 16 * 1024 * 1024 })
  return stdout
}
