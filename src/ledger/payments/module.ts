import type { LedgerModule } from '../module.ts'
import { handleCloseChannel, handleOpenChannel, handleTopUp, handleWithdraw } from './msgServer.ts'
import { closeChannelCodec, openChannelCodec, topUpCodec, withdrawCodec } from './msgs.ts'
import { paymentsParamsFromGenesis, setPaymentsParams } from './params.ts'
import { queryChannel, queryClientChannels, queryPaymentsParams } from './queries.ts'

/** Payment channels: escrow, top-up, close with a challenge period, withdraw; `settleVoucher` for settlement. */
export const paymentsModule: LedgerModule = {
  name: 'payments',
  routes: [
    { ...openChannelCodec, handle: handleOpenChannel },
    { ...topUpCodec, handle: handleTopUp },
    { ...closeChannelCodec, handle: handleCloseChannel },
    { ...withdrawCodec, handle: handleWithdraw },
  ],
  initGenesis: async (store, appState) => setPaymentsParams(store, paymentsParamsFromGenesis(appState?.payments)),
  queries: {
    channel: (store, rest) => queryChannel(store, decodeURIComponent(rest)),
    channels: (store, rest) => queryClientChannels(store, decodeURIComponent(rest)),
    params: (store) => queryPaymentsParams(store),
  },
}
