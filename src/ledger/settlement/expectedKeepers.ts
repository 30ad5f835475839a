/**
 * What settlement needs of other modules, and nothing more (as Cosmos SDK's
 * expected_keepers.go): it reads nodes, channels and model prices, and asks their owners to
 * move funds. Settlement moves no balance itself: channel escrow is paid out by payments, a
 * slashed stake by the registry. modules.ts hands it those modules' keepers.
 *
 * Types of shared records come from the owners' public types files: the registry's node.ts
 * (NodeRecord, NodeStatus), `import type` only.
 */
import type { Hex } from '../../core/bytes.ts'
import type { Address } from '../../core/keys.ts'
import type { NodeRecord, NodeStatus } from '../registry/node.ts'
import type { StateReader, StateStore } from '../state/overlay.ts'

export interface RegistryKeeper {
  /** The node `operator` registered (with its status at any block time), or undefined. */
  node(store: StateReader, operator: Address): Promise<{ operator: Address; record: NodeRecord; statusAt(timeMs: bigint): NodeStatus } | undefined>
  /** The operator whose node holds `signingKey`, if any. */
  operatorOfSigningKey(store: StateReader, signingKey: Uint8Array): Promise<Address | undefined>
  /** Takes the node's whole stake (`compensation.bps` of it to `compensation.to`, the rest to the fee pool) and removes the node. */
  slash(store: StateStore, operator: Address, p: { reason: string; compensation: { to: Address; bps: number } }): Promise<{ stake: bigint; compensation: bigint }>
}

/** What settling a voucher moved (or would move). */
export type ChannelSettlement = { amount: bigint; fee: bigint; earned: bigint; payout: Address }

/** The settling node, the block time, and where the node's share goes (default: the node). */
export type SettleChannelParameters = { node: Address; timeMs: bigint; payout?: Address }

export interface PaymentsKeeper {
  channel(store: StateReader, id: Hex): Promise<{ client: Address; spent: bigint } | undefined>
  /** Every check of `settleVoucher`, without writing: throws the payments error that settling would. */
  checkSettlement(store: StateReader, channelId: Hex, cumulative: bigint, p: SettleChannelParameters): Promise<ChannelSettlement>
  /** Pays the channel's node (less the protocol fee) out of escrow up to `cumulative`. */
  settleVoucher(store: StateStore, channelId: Hex, cumulative: bigint, p: SettleChannelParameters): Promise<ChannelSettlement>
}

export interface ModelsKeeper {
  /** The registered price of model `id`; undefined when no such model is registered. */
  price(store: StateReader, id: Hex): Promise<bigint | undefined>
}

/** Everything settlement is given in modules.ts. */
export type SettlementKeepers = { registry: RegistryKeeper; payments: PaymentsKeeper; models: ModelsKeeper }
