import { BaseError } from '../../../core/errors.ts'
import { getStoreStatus } from '../../../storage/getStoreStatus.ts'
import { WalrusClient } from '../../../storage/walrusClient.ts'

export type StoreFlags = { store: string; aggregator?: string; shards?: string }

/** A client of the blob store; asks an embedded store for its shard count when none is given. */
export async function openStore(o: StoreFlags): Promise<WalrusClient> {
  let shards = o.shards === undefined ? undefined : Number(o.shards)
  if (shards !== undefined && (!Number.isInteger(shards) || shards < 1)) throw new BaseError('--shards must be a positive integer', { code: 'invalid_option' })
  if (shards === undefined) shards = (await getStoreStatus(o.aggregator ?? o.store).catch(() => undefined))?.shards
  return new WalrusClient({ publisherUrl: o.store, aggregatorUrl: o.aggregator ?? o.store, shards })
}
