import { parseAddress } from '../../core/keys.ts'
import type { StateStore } from '../state/overlay.ts'
import { ErrInvalidGenesis } from './errors.ts'
import { getAccount, setAccount } from './keeper.ts'

export type AccountsGenesis = { accounts: Array<{ address: string; balance: string }> }

export async function initAccountsGenesis(store: StateStore, genesis: AccountsGenesis): Promise<void> {
  if (!Array.isArray(genesis.accounts)) throw new ErrInvalidGenesis('app_state.accounts must be a list')
  for (const entry of genesis.accounts) {
    let address
    try {
      address = parseAddress(entry.address)
    } catch {
      throw new ErrInvalidGenesis(`app_state.accounts: "${entry.address}" is not an address`)
    }
    if (typeof entry.balance !== 'string' || !/^[0-9]+$/.test(entry.balance)) {
      throw new ErrInvalidGenesis(`app_state.accounts: balance of ${address} must be a decimal string`)
    }
    const a = await getAccount(store, address)
    setAccount(store, address, { ...a, balance: a.balance + BigInt(entry.balance) })
  }
}
