/**
 * The only reads and writes of registry records. Rules kept here: the node index always holds
 * exactly the addresses that have a node record, sorted by byte order (so every iteration
 * over nodes is in one order on every node); block hashes are kept in a ring of N slots.
 * Record reads and writes are functions of the store; what moves stakes is `RegistryKeeper`,
 * built in modules.ts with the BankKeeper of expectedKeepers.ts. The stake pool
 * (`STAKE_POOL_ADDRESS`) is moved only from here: bonding, returning and slashing stakes.
 */
import { RLP } from '@ethereumjs/rlp'
import { bigintToBytes, fromHex, toHex } from '../../core/bytes.ts'
import type { Address } from '../../core/keys.ts'
import type { StateReader, StateStore } from '../state/overlay.ts'
import { readStored } from '../state/corruptState.ts'
import { readBytes, readList, readSmallUint, readUint } from '../tx/fields.ts'
import { ErrNotRegistered, ErrStaleNonce } from './errors.ts'
import type { BankKeeper } from './expectedKeepers.ts'
import { HEAD_KEY, NODE_INDEX_KEY, STAKE_POOL_ADDRESS, blockHashSlotKey, nodeKey, signingKeyIndexKey } from './keys.ts'
import { type NodeRecord, type NodeStatus, decodeNode, encodeNode, nodeStatus } from './node.ts'
import { type RegistryParams, getRegistryParams } from './params.ts'

export async function getNode(store: StateReader, address: Address): Promise<NodeRecord | undefined> {
  return readStored(store, nodeKey(address), decodeNode)
}

/** Addresses of every registered node (any status), in byte order. */
export async function listNodeAddresses(store: StateReader): Promise<Address[]> {
  const index = await readStored(store, NODE_INDEX_KEY, (raw) => readList(RLP.decode(raw), 'node index').map((a) => toHex(readBytes(a, 'node index entry', 20))))
  return index ?? []
}

function setIndex(store: StateStore, addresses: Address[]): void {
  if (addresses.length === 0) store.delete(NODE_INDEX_KEY)
  else store.set(NODE_INDEX_KEY, RLP.encode(addresses.map((a) => fromHex(a, 20))))
}

/** Writes a node record, adding the address (and its signing key) to the indexes if it is new. A node's signing key never changes. */
export async function setNode(store: StateStore, address: Address, node: NodeRecord): Promise<void> {
  const isNew = (await store.get(nodeKey(address))) === undefined
  store.set(nodeKey(address), encodeNode(node))
  if (!isNew) return
  store.set(signingKeyIndexKey(node.signingKey), fromHex(address, 20))
  const index = await listNodeAddresses(store)
  // Addresses are lower-case hex of equal length, so string order is byte order.
  index.push(address)
  index.sort()
  setIndex(store, index)
}

export async function deleteNode(store: StateStore, address: Address): Promise<void> {
  const node = await getNode(store, address)
  if (node) store.delete(signingKeyIndexKey(node.signingKey))
  store.delete(nodeKey(address))
  setIndex(store, (await listNodeAddresses(store)).filter((a) => a !== address))
}

/** The operator whose node holds `signingKey`, if any. */
export async function operatorOfSigningKey(store: StateReader, signingKey: Uint8Array): Promise<Address | undefined> {
  return readStored(store, signingKeyIndexKey(signingKey), (raw) => toHex(readBytes(raw, 'signing key index', 20)))
}

export type BlockHead = { height: number; timeMs: bigint; hash: Uint8Array }

/** The last finalized block as the registry saw it; undefined before the first block (or on a chain without a registry). */
export async function getHead(store: StateReader): Promise<BlockHead | undefined> {
  return readStored(store, HEAD_KEY, (raw) => {
    const [h, t, hash] = readList(RLP.decode(raw), 'registry head', 3)
    return { height: readSmallUint(h, 'head.height'), timeMs: readUint(t, 'head.timeMs'), hash: readBytes(hash, 'head.hash') }
  })
}

/** Called at the start of every block: records the head and the block's hash in its ring slot. */
export function recordBlock(store: StateStore, params: RegistryParams, block: BlockHead): void {
  if (params.recentBlockHashes === 0) return
  store.set(HEAD_KEY, RLP.encode([bigintToBytes(BigInt(block.height)), bigintToBytes(block.timeMs), block.hash]))
  if (block.hash.length > 0) store.set(blockHashSlotKey(block.height, params.recentBlockHashes), RLP.encode([bigintToBytes(BigInt(block.height)), block.hash]))
}

/**
 * The hash of block `nonceHeight` if it is one of the last N blocks before `height`;
 * otherwise ErrStaleNonce (too old, in the future, or never recorded).
 */
export async function recentBlockHash(store: StateReader, params: RegistryParams, height: number, nonceHeight: number): Promise<Uint8Array> {
  const n = params.recentBlockHashes
  if (n === 0) throw new ErrStaleNonce('this chain keeps no block hashes, so no nonce can be checked')
  if (nonceHeight >= height || nonceHeight + n < height) {
    throw new ErrStaleNonce(`nonce block ${nonceHeight} is not among the last ${n} blocks before ${height}`)
  }
  const slot = await readStored(store, blockHashSlotKey(nonceHeight, n), (raw) => {
    const [h, hash] = readList(RLP.decode(raw), 'block hash slot', 2)
    return { height: readSmallUint(h, 'slot.height'), hash: readBytes(hash, 'slot.hash') }
  })
  if (slot?.height === nonceHeight) return slot.hash
  throw new ErrStaleNonce(`no hash of block ${nonceHeight} is recorded`)
}

/** A registered node and its status at any block time (status is computed, never stored: node.ts). */
export type RegisteredNode = { operator: Address; record: NodeRecord; statusAt(timeMs: bigint): NodeStatus }

export type SlashParameters = {
  /** Why, for the error text should the slash fail. */
  reason: string
  /** Who gets `bps` basis points of the stake; the rest goes to the fee pool. */
  compensation: { to: Address; bps: number }
}

/**
 * The registry keeper: stakes in and out of the stake pool, and what other modules
 * (settlement) may ask of the registry. Built in modules.ts.
 *
 * @example
 * const registry = new RegistryKeeper(accountsKeeper)
 */
export class RegistryKeeper {
  constructor(private readonly bank: BankKeeper) {}

  /** The node `operator` registered, or undefined. */
  async node(store: StateReader, operator: Address): Promise<RegisteredNode | undefined> {
    const record = await getNode(store, operator)
    if (!record) return undefined
    const params = await getRegistryParams(store)
    return { operator, record, statusAt: (timeMs) => nodeStatus(record, params, timeMs) }
  }

  /** The operator whose node holds `signingKey`, if any. */
  operatorOfSigningKey(store: StateReader, signingKey: Uint8Array): Promise<Address | undefined> {
    return operatorOfSigningKey(store, signingKey)
  }

  /** Moves `amount` from `operator`'s balance into the stake pool; nothing is written when it has less. */
  bondStake(store: StateStore, operator: Address, amount: bigint): Promise<void> {
    return this.bank.send(store, operator, [{ to: STAKE_POOL_ADDRESS, amount }], 'stake')
  }

  /** Returns `amount` from the stake pool to `operator`. */
  returnStake(store: StateStore, operator: Address, amount: bigint): Promise<void> {
    return this.bank.send(store, STAKE_POOL_ADDRESS, [{ to: operator, amount }], 'stake return')
  }

  /**
   * Punishes proven fraud: the node's whole stake leaves the stake pool (the compensation's
   * share to its address, the rest to the fee pool) and the node leaves the registry.
   * ErrNotRegistered, and no write, when `operator` has no node.
   */
  async slash(store: StateStore, operator: Address, p: SlashParameters): Promise<{ stake: bigint; compensation: bigint }> {
    const node = await getNode(store, operator)
    if (!node) throw new ErrNotRegistered(`cannot slash ${operator} (${p.reason}): it has no registered node`)
    const compensation = (node.stake * BigInt(p.compensation.bps)) / 10_000n
    await this.bank.send(
      store,
      STAKE_POOL_ADDRESS,
      [
        { to: p.compensation.to, amount: compensation },
        { to: this.bank.feePool, amount: node.stake - compensation },
      ],
      'slashing',
    )
    await deleteNode(store, operator)
    return { stake: node.stake, compensation }
  }
}
