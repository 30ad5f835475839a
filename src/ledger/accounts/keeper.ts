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
import { FEE_POOL_ADDRESS, accountKey } from './keys.ts'

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

/** One recipient of `send`. */
export type Output = { to: Address; amount: bigint }

/**
 * Moves the outputs' sum out of `from` and each output to its address. The balance is checked
 * before anything is written: ErrInsufficientFunds, naming `what`, and no write when `from`
 * holds less. How other modules move funds (their BankKeeper).
 */
export async function send(store: StateStore, from: Address, outputs: readonly Output[], what: string): Promise<void> {
  let total = 0n
  for (const o of outputs) total += o.amount
  await subtractBalance(store, from, total, what)
  for (const o of outputs) await addBalance(store, o.to, o.amount)
}

/**
 * The accounts module as other modules reach it: what their expectedKeepers.ts declare as
 * BankKeeper and AccountKeeper, handed to them in modules.ts. Other modules may pay into the
 * fee pool (`to: feePool`); only the accounts module and the app's fee handling move it.
 */
export const accountsKeeper = {
  send,
  feePool: FEE_POOL_ADDRESS,
  async nonce(store: StateReader, address: Address): Promise<bigint> {
    return (await getAccount(store, address)).nonce
  },
}
