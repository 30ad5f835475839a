import { BaseError } from '../../core/errors.ts'

export class TimeoutError extends BaseError {
  override name = 'TimeoutError' as const
  constructor(what: string, ms: number) {
    super(`timed out after ${ms} ms waiting for ${what}`, { code: 'timeout' })
  }
}

/** Latest committed height from a CometBFT (or embedded engine) RPC, or -1 when it does not answer. */
export async function latestHeight(rpc: string): Promise<number> {
  try {
    const res = await fetch(`${rpc}/status`, { signal: AbortSignal.timeout(2000) })
    const body = (await res.json()) as { result?: { sync_info?: { latest_block_height?: string } } }
    return Number(body.result?.sync_info?.latest_block_height ?? -1)
  } catch {
    return -1
  }
}

export async function waitForHeight(rpc: string, height: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const h = await latestHeight(rpc)
    if (h >= height) return h
    if (Date.now() > deadline) throw new TimeoutError(`${rpc} to reach height ${height} (at ${h})`, timeoutMs)
    await new Promise((r) => setTimeout(r, 200))
  }
}
