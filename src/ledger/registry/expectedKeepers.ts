/**
 * What the registry needs of other modules, and nothing more (as Cosmos SDK's
 * expected_keepers.go). modules.ts hands it the accounts module's keeper, which has this.
 */
import type { Address } from '../../core/keys.ts'
import type { StateStore } from '../state/overlay.ts'

export interface BankKeeper {
  /** Moves the outputs' sum out of `from`: checked before any write (ErrInsufficientFunds naming `what`). */
  send(store: StateStore, from: Address, outputs: ReadonlyArray<{ to: Address; amount: bigint }>, what: string): Promise<void>
  /** Where the part of a slashed stake that compensates nobody goes; the registry only ever pays into it. */
  readonly feePool: Address
}
