/**
 * The only reads and writes of account records. Rule kept here, in the lowest setter: an
 * account with zero balance and zero nonce is not stored (deleted), so the state has one form.
 */
import { RLP } from '@ethereumjs/rlp'
import { bigintToBytes } from '../../core/bytes.ts'
import type { Address } from '../../core/keys.ts'
import type { StateReader, StateStore } from '../state/overlay.ts'
import { readStored } from '../state/corruptState.ts'
import { readList, readUint } from '../tx/fields.ts'
import { ErrInsufficientFunds } from './errors.ts'
import { accountKey } from './keys.ts'

export type Account = { balance: bigint; nonce: bigint }

export function encodeAccount(a: Account): Uint8Array {
  return RLP.encode([bigintToBytes(a.balance), bigintToBytes(a.nonce)])
}

export function decodeAccount(raw: Uint8Array): Account {
  const items = readList(RLP.decode(raw), 'account', 2)
  return { balance: readUint(items[0], 'account.balance'), nonce: readUint(items[1], 'account.nonce') }
}

export async function getAccount(store: StateReader, address: Address): Promise<Account> {
  return (await readStored(store, accountKey(address), decodeAccount)) ?? { balance: 0n, nonce: 0n }
}

export function setAccount(store: StateStore, address: Address, account: Account): void {
  if (account.balance === 0n && account.nonce === 0n) store.delete(accountKey(address))
  else store.set(accountKey(address), encodeAccount(account))
}

export async function addBalance(store: StateStore, address: Address, amount: bigint): Promise<void> {
  if (amount === 0n) return
  const a = await getAccount(store, address)
  setAccount(store, address, { ...a, balance: a.balance + amount })
}

export async function subtractBalance(store: StateStore, address: Address, amount: bigint, what = 'transfer'): Promise<void> {
  const a = await getAccount(store, address)
  if (a.balance < amount) throw new ErrInsufficientFunds(`${address} has ${a.balance}, needs ${amount} for ${what}`)
  setAccount(store, address, { ...a, balance: a.balance - amount })
}
