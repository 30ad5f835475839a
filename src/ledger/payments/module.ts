import type { LedgerModule } from '../module.ts'
import type { PaymentsKeeper } from './keeper.ts'
import { paymentsMsgServer } from './msgServer.ts'
import { closeChannelCodec, openChannelCodec, topUpCodec, withdrawCodec } from './msgs.ts'
import { paymentsParamsFromGenesis, setPaymentsParams } from './params.ts'
import { queryChannel, queryClientChannels, queryPaymentsParams } from './queries.ts'

/** Payment channels: escrow, top-up, close with a challenge period, withdraw; the keeper's `settleVoucher` for settlement. */
export function paymentsModule(keeper: PaymentsKeeper): LedgerModule {
  const server = paymentsMsgServer(keeper)
  return {
    name: 'payments',
    routes: [
      { ...openChannelCodec, handle: server.openChannel },
      { ...topUpCodec, handle: server.topUp },
      { ...closeChannelCodec, handle: server.closeChannel },
      { ...withdrawCodec, handle: server.withdraw },
    ],
    initGenesis: async (store, appState) => setPaymentsParams(store, paymentsParamsFromGenesis(appState?.payments)),
    queries: {
      channel: (store, rest) => queryChannel(store, decodeURIComponent(rest)),
      channels: (store, rest) => queryClientChannels(store, decodeURIComponent(rest)),
      params: (store) => queryPaymentsParams(store),
    },
  }
}
