import { parseAddress } from '../../core/keys.ts'
import type { LedgerModule } from '../module.ts'
import { initAccountsGenesis } from './genesis.ts'
import { handleTransfer } from './msgServer.ts'
import { transferCodec } from './msgs.ts'
import { queryAccount } from './queries.ts'

export const accountsModule: LedgerModule = {
  name: 'accounts',
  routes: [{ ...transferCodec, handle: handleTransfer }],
  initGenesis: (store, appState) => initAccountsGenesis(store, { accounts: appState?.accounts ?? [] }),
  queries: {
    account: (store, rest) => queryAccount(store, parseAddress(rest)),
  },
}
