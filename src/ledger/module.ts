/**
 * What a ledger module plugs in: its message types, its genesis, its queries. The app knows
 * modules only through this shape, so a new module (registry, models, payments, settlement)
 * is one folder and one line in modules.ts.
 */
import type { TxContext } from './context.ts'
import type { StateReader, StateStore } from './state/overlay.ts'
import type { RlpItem } from './tx/fields.ts'

export type MsgRoute<M = any> = {
  type: number
  name: string
  encode(msg: M): RlpItem[]
  /** Stateless validation; throws a LedgerError. */
  decode(body: RlpItem[]): M
  handle(ctx: TxContext, msg: M): Promise<void>
  /**
   * Whether CheckTx (and recheck) runs the handler too, or only the checks every transaction
   * gets (signature, nonce, fee). Default true, so bad transfers fail before a block; messages
   * whose handler is heavy and whose checks need the block (settlement batches) set false.
   */
  checkTxRunsHandler?: boolean
}

export type QueryHandler = (store: StateReader, rest: string, data: Uint8Array) => Promise<unknown>

/** The block being finalized, as CometBFT (or the embedded engine) names it. */
export type BlockInfo = { height: number; timeMs: bigint; hash: Uint8Array }

export type LedgerModule = {
  name: string
  routes: MsgRoute[]
  /** Reads its part of app_state (the whole object is passed). */
  initGenesis?(store: StateStore, appState: any): Promise<void>
  /**
   * Runs at the start of every block, before its transactions (FinalizeBlock, not CheckTx):
   * for state that follows the chain itself (the registry keeps recent block hashes as nonces).
   */
  beginBlock?(store: StateStore, block: BlockInfo): Promise<void>
  /** `/<module>/<rest>` → JSON answer. */
  queries?: Record<string, QueryHandler>
}
