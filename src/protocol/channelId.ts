/**
 * Payment channel ids: the ledger derives a channel's id when it opens it, and the client
 * computes the same id before it sends the transaction (to sign vouchers for it at once).
 *
 *   channelId = sha256("haca/channel/v1\n" ‖ RLP([client(20), node(20), nonce]))
 *
 * where nonce is the nonce of the client's `open_channel` transaction.
 */
import { RLP } from '@ethereumjs/rlp'
import { bigintToBytes, concatBytes, fromHex, toHex, utf8 } from '../core/bytes.ts'
import { sha256 } from '../core/hash.ts'
import type { Address } from '../core/keys.ts'

const CHANNEL_DOMAIN = utf8('haca/channel/v1\n')

/** The bytes hashed (after the domain) for a channel's id. */
export function encodeChannelIdPreimage(client: Address, node: Address, nonce: bigint): Uint8Array {
  return RLP.encode([fromHex(client, 20), fromHex(node, 20), bigintToBytes(nonce)])
}

/**
 * A channel's ID.
 *
 * @example
 * const id = channelIdOf(addressOf(clientKey), nodeAddress, 0n)
 */
export function channelIdOf(client: Address, node: Address, nonce: bigint): `0x${string}` {
  return toHex(sha256(concatBytes(CHANNEL_DOMAIN, encodeChannelIdPreimage(client, node, nonce))))
}
