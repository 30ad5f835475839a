/**
 * What the payments module needs of other modules, and nothing more (as Cosmos SDK's
 * expected_keepers.go). modules.ts hands it the accounts module's keeper, which has these.
 */
import type { Address } from '../../core/keys.ts'
import type { StateReader, StateStore } from '../state/overlay.ts'

export interface AccountKeeper {
  /** The account's next transaction nonce (0 for an account never seen). */
  nonce(store: StateReader, address: Address): Promise<bigint>
}

export interface BankKeeper {
  /** Moves the outputs' sum out of `from`: checked before any write (ErrInsufficientFunds naming `what`). */
  send(store: StateStore, from: Address, outputs: ReadonlyArray<{ to: Address; amount: bigint }>, what: string): Promise<void>
  /** Where protocol fees are paid; payments only ever pays into it. */
  readonly feePool: Address
}
