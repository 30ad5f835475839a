import type { Event } from 'cosmjs-types/tendermint/abci/types'
import type { Address } from '../core/keys.ts'
import type { StateStore } from './state/overlay.ts'

/** What a message handler sees: the state (buffered; dropped if the handler throws) and the block. */
export type TxContext = {
  store: StateStore
  sender: Address
  /** Block height being executed (for CheckTx: the next height). */
  height: number
  /** Block time in milliseconds since the epoch: the only clock the ledger reads. */
  timeMs: bigint
  events: Event[]
}

/** An event; attributes named in `indexed` are indexed by CometBFT (searchable), the rest are not. */
export function event(type: string, attrs: Record<string, string>, indexed: string[] = []): Event {
  return { type, attributes: Object.entries(attrs).map(([key, value]) => ({ key, value, index: indexed.includes(key) })) }
}
