import type { Address } from '../../core/keys.ts'
import type { StateReader } from '../state/overlay.ts'
import { getAccount } from './keeper.ts'

export async function queryAccount(store: StateReader, address: Address): Promise<{ address: Address; balance: string; nonce: string }> {
  const a = await getAccount(store, address)
  return { address, balance: a.balance.toString(), nonce: a.nonce.toString() }
}
