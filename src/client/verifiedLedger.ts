/**
 * A LedgerRpc whose proofs are checked only against headers a light client verified, from a
 * trust root the user gives (a height and its header hash from a source they trust).
 */
import { fromHex } from '../core/bytes.ts'
import { BaseError } from '../core/errors.ts'
import { LedgerRpc } from './ledger/ledgerRpc.ts'
import { LightClient } from './light/client.ts'
import { RpcLightBlockProvider } from './light/rpcProvider.ts'
import { type LightStore, MemoryLightStore } from './light/store.ts'

export type LightClientConfig = {
  trustRoot: { height: number | bigint; hash: string | Uint8Array }
  /** How long a verified header stays trusted; default two weeks (keep it under the unbonding period). */
  trustingPeriodMs?: number
  /** Where verified headers are kept; a fresh memory store unless given. */
  store?: LightStore
}

export const DEFAULT_TRUSTING_PERIOD_MS = 14 * 24 * 3_600_000

export class InvalidTrustRootError extends BaseError {
  override name = 'InvalidTrustRootError' as const
  constructor(reason: string) {
    super(`invalid trust root: ${reason}`, { code: 'invalid_trust_root' })
  }
}

/**
 * @example
 * const ledger = await connectVerifiedLedger('http://127.0.0.1:26657', { trustRoot: { height: 2, hash: '0xAB…' } })
 * const { value } = await ledger.queryProven(key)   // proven against a light-client-verified header
 */
export async function connectVerifiedLedger(url: string, config: LightClientConfig): Promise<LedgerRpc> {
  const { height, hash } = config.trustRoot
  if (!(typeof height === 'bigint' ? height > 0n : Number.isSafeInteger(height) && height > 0)) throw new InvalidTrustRootError(`height ${height} is not a positive block height`)
  let hashBytes: Uint8Array
  try {
    hashBytes = typeof hash === 'string' ? fromHex(hash, 32) : hash
  } catch {
    throw new InvalidTrustRootError(`hash ${String(hash)} is not 32 bytes of hex`)
  }
  if (hashBytes.length !== 32) throw new InvalidTrustRootError('the hash must be 32 bytes')
  const primary = new RpcLightBlockProvider(url)
  const lightClient = await LightClient.create({
    chainId: await primary.chainId(),
    trustRoot: { height: BigInt(height), hash: hashBytes },
    trustingPeriodMs: config.trustingPeriodMs ?? DEFAULT_TRUSTING_PERIOD_MS,
    primary,
    store: config.store ?? new MemoryLightStore(),
  })
  return LedgerRpc.connect(url, { lightClient })
}
