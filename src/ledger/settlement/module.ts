import type { LedgerModule } from '../module.ts'
import { handleSettleBatch, handleSubmitEvidence } from './msgServer.ts'
import { settleBatchCodec, submitEvidenceCodec } from './msgs.ts'
import { setSettlementParams, settlementParamsFromGenesis } from './params.ts'
import { queryBatch, queryReceipt } from './queries.ts'

export const settlementModule: LedgerModule = {
  name: 'settlement',
  routes: [
    // Verifying a batch of thousands of receipts in CheckTx and again at every recheck would cost more than the block does.
    { ...settleBatchCodec, handle: handleSettleBatch, checkTxRunsHandler: false },
    { ...submitEvidenceCodec, handle: handleSubmitEvidence },
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
