/**
 * State keys of the registry module, from the ledger's prefix table (keyPrefixes.ts). Every key
 * starts with the module's one-byte prefix 0x02, then a one-byte record kind:
 *
 * | key                                 | value (RLP)                                        |
 * |-------------------------------------|----------------------------------------------------|
 * | 0x02 0x00                           | registry params (`params.ts`): governance, roots, measurements, limits |
 * | 0x02 0x01 ‖ address (20 bytes)      | node record (`node.ts`), keyed by the operator account that registered it |
 * | 0x02 0x02                           | node index: the registered addresses, sorted by byte order |
 * | 0x02 0x03                           | head: [height, block time ms, block hash] of the last finalized block |
 * | 0x02 0x04 ‖ u64 BE (height mod N)   | recent block hash slot: [height, hash]; N = params.recentBlockHashes |
 * | 0x02 0x05 ‖ signing key (33 bytes)  | the operator address (20 bytes) whose node holds this key |
 *
 * A client proves a node's record against the app hash with the generic `/store` query and
 * `nodeKey(address)` as data (`LedgerRpc.queryProven(nodeKey(address))`), then decodes it
 * with `decodeNode`. To check a receipt's key, prove `signingKeyIndexKey(key)` first: its
 * value is the operator address, then prove that node's record.
 */
import { concatBytes, fromHex } from '../../core/bytes.ts'
import type { Address } from '../../core/keys.ts'
import { keccak256 } from '../../core/hash.ts'
import { utf8 } from '../../core/bytes.ts'
import { keyPrefix, moduleByte } from '../keyPrefixes.ts'

/** One-byte prefix of every registry record. */
export const REGISTRY_PREFIX = moduleByte('registry')
const NODE = keyPrefix('registryNode')
const BLOCK_HASH_SLOT = keyPrefix('registryBlockHash')
const SIGNING_KEY_INDEX = keyPrefix('registrySigningKey')

export const PARAMS_KEY = keyPrefix('registryParams')
export const NODE_INDEX_KEY = keyPrefix('registryNodeIndex')
export const HEAD_KEY = keyPrefix('registryHead')

/** Key of the node registered by `address`. */
export function nodeKey(address: Address): Uint8Array {
  return concatBytes(NODE, fromHex(address, 20))
}

/** Key of the ring slot that holds the hash of block `height` (N slots). */
export function blockHashSlotKey(height: number, slots: number): Uint8Array {
  const slot = new Uint8Array(8)
  new DataView(slot.buffer).setBigUint64(0, BigInt(height % slots))
  return concatBytes(BLOCK_HASH_SLOT, slot)
}

/** Stakes are held here while nodes are registered or unbonding; no key controls it. */
export const STAKE_POOL_ADDRESS: Address = `0x${Buffer.from(keccak256(utf8('haca/registry_stake')).subarray(12)).toString('hex')}`

/** Key of the signing-key index entry: which operator's node holds `signingKey`. */
export function signingKeyIndexKey(signingKey: Uint8Array): Uint8Array {
  return concatBytes(SIGNING_KEY_INDEX, signingKey)
}
