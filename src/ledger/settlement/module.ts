import type { LedgerModule } from '../module.ts'
import type { SettlementKeepers } from './expectedKeepers.ts'
import { settlementMsgServer } from './msgServer.ts'
import { settleBatchCodec, submitEvidenceCodec } from './msgs.ts'
import { setSettlementParams, settlementParamsFromGenesis } from './params.ts'
import { queryBatch, queryReceipt } from './queries.ts'

/** Settlement of receipt batches and slashing on evidence, through the keepers of expectedKeepers.ts. */
export function settlementModule(keepers: SettlementKeepers): LedgerModule {
  const server = settlementMsgServer(keepers)
  return {
    name: 'settlement',
    routes: [
      // Verifying a batch of thousands of receipts in CheckTx and again at every recheck would cost more than the block does.
      { ...settleBatchCodec, handle: server.settleBatch, checkTxRunsHandler: false },
      { ...submitEvidenceCodec, handle: server.submitEvidence },
    ],
    async initGenesis(store, appState) {
      const p = settlementParamsFromGenesis(appState?.settlement)
      if (p) setSettlementParams(store, p)
    },
    queries: {
      receipt: (store, rest) => queryReceipt(store, rest),
      batch: (store, rest) => queryBatch(store, rest),
    },
  }
}
