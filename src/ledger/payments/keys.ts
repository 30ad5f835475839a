/**
 * State layout of the payments module (prefix 0x04, from the ledger's table, keyPrefixes.ts).
 * The trie hashes keys, so the per-client list is a record of its own:
 *
 * | key                               | value (RLP)                                   |
 * |-----------------------------------|-----------------------------------------------|
 * | 0x04 0x00                         | payments params: [feeBps, challengePeriodMs]  |
 * | 0x04 0x01 ‖ channelId (32 bytes)  | channel record (`keeper.ts`)                  |
 * | 0x04 0x02 ‖ client (20 bytes)     | the client's channel ids, in opening order    |
 *
 * Escrowed funds sit in the `PAYMENTS_ESCROW_ADDRESS` account, which no key controls, so the
 * sum of all balances stays the supply.
 */
import { concatBytes, fromHex, toHex, utf8 } from '../../core/bytes.ts'
import { keccak256 } from '../../core/hash.ts'
import type { Address } from '../../core/keys.ts'
import { keyPrefix, moduleByte } from '../keyPrefixes.ts'

/** One-byte prefix of every payments record. */
export const PAYMENTS_PREFIX = moduleByte('payments')
const CHANNEL = keyPrefix('channel')
const CLIENT_CHANNELS = keyPrefix('clientChannels')

export const PAYMENTS_PARAMS_KEY = keyPrefix('paymentsParams')

/** Key of a channel record. */
export function channelKey(channelId: Uint8Array): Uint8Array {
  return concatBytes(CHANNEL, channelId)
}

/** Key of the list of channels a client opened. */
export function clientChannelsKey(client: Address): Uint8Array {
  return concatBytes(CLIENT_CHANNELS, fromHex(client, 20))
}

/** Escrowed channel funds are held here; its address is a hash of its name. */
export const PAYMENTS_ESCROW_ADDRESS: Address = toHex(keccak256(utf8('haca/payments_escrow')).subarray(12))
