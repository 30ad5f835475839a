/** Reads an embedded store's `GET /status`: its shard count, size limit and usage. */
import { BaseError, redactUrl } from '../core/errors.ts'

export type StoreStatus = { service: string; version: string; shards: number; maxBlobSize: number; epoch: number; blobs: number; bytes: number }

export class StoreStatusError extends BaseError {
  override name = 'StoreStatusError' as const
  constructor({ url, reason, cause }: { url: string; reason: string; cause?: unknown }) {
    super(`could not read the store status at ${redactUrl(url)}: ${reason}`, { code: 'store_status', cause })
  }
}

/**
 * The status of a haca embedded store; Walrus publishers and aggregators have no such route,
 * so this is how a client for a local network learns the shard count to verify blob IDs with.
 *
 * @example
 * const { shards } = await getStoreStatus('http://127.0.0.1:31415')
 * const store = new WalrusClient({ publisherUrl: url, aggregatorUrl: url, shards })
 */
export async function getStoreStatus(url: string, { timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Promise<StoreStatus> {
  const target = `${url.replace(/\/+$/, '')}/status`
  let res: Response
  try {
    res = await fetch(target, { signal: AbortSignal.timeout(timeoutMs) })
  } catch (err) {
    throw new StoreStatusError({ url: target, reason: err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err), cause: err })
  }
  if (res.status !== 200) throw new StoreStatusError({ url: target, reason: `answered ${res.status} (not a haca embedded store?)` })
  const json = (await res.json().catch(() => undefined)) as StoreStatus | undefined
  if (json?.service !== 'haca-storage' || !Number.isInteger(json.shards)) throw new StoreStatusError({ url: target, reason: 'not a haca embedded store status' })
  return json
}
