/** Payments messages (types 30-39) and their stateless checks. */
import { type Hex, bigintToBytes, fromHex, toHex } from '../../core/bytes.ts'
import type { Address } from '../../core/keys.ts'
import { type RlpItem, readAddress, readBytes, readList, readUint } from '../tx/fields.ts'
import { ErrInvalidPaymentMsg } from './errors.ts'

export const MSG_OPEN_CHANNEL = 30
export const MSG_TOP_UP = 31
export const MSG_CLOSE_CHANNEL = 32
export const MSG_WITHDRAW = 33

/** Escrow `amount` from the sender's balance into a new channel that pays `node`. */
export type MsgOpenChannel = { node: Address; amount: bigint }
/** Add `amount` to an open channel's deposit (its client only). */
export type MsgTopUp = { channelId: Hex; amount: bigint }
/** Start the challenge period (its client only). */
export type MsgCloseChannel = { channelId: Hex }
/** After the challenge period: return the unspent deposit to the client. */
export type MsgWithdraw = { channelId: Hex }

const positive = (v: bigint, field: string): bigint => {
  if (v === 0n) throw new ErrInvalidPaymentMsg(`${field} must be positive`)
  return v
}

export const openChannelCodec = {
  type: MSG_OPEN_CHANNEL,
  name: 'open_channel',
  encode: (m: MsgOpenChannel): RlpItem[] => [fromHex(m.node, 20), bigintToBytes(m.amount)],
  decode(body: RlpItem[]): MsgOpenChannel {
    const it = readList(body, 'open_channel', 2)
    return { node: readAddress(it[0], 'open_channel.node'), amount: positive(readUint(it[1], 'open_channel.amount'), 'open_channel.amount') }
  },
}

export const topUpCodec = {
  type: MSG_TOP_UP,
  name: 'top_up',
  encode: (m: MsgTopUp): RlpItem[] => [fromHex(m.channelId, 32), bigintToBytes(m.amount)],
  decode(body: RlpItem[]): MsgTopUp {
    const it = readList(body, 'top_up', 2)
    return { channelId: toHex(readBytes(it[0], 'top_up.channelId', 32)), amount: positive(readUint(it[1], 'top_up.amount'), 'top_up.amount') }
  },
}

export const closeChannelCodec = {
  type: MSG_CLOSE_CHANNEL,
  name: 'close_channel',
  encode: (m: MsgCloseChannel): RlpItem[] => [fromHex(m.channelId, 32)],
  decode(body: RlpItem[]): MsgCloseChannel {
    const it = readList(body, 'close_channel', 1)
    return { channelId: toHex(readBytes(it[0], 'close_channel.channelId', 32)) }
  },
}

export const withdrawCodec = {
  type: MSG_WITHDRAW,
  name: 'withdraw_channel',
  encode: (m: MsgWithdraw): RlpItem[] => [fromHex(m.channelId, 32)],
  decode(body: RlpItem[]): MsgWithdraw {
    const it = readList(body, 'withdraw_channel', 1)
    return { channelId: toHex(readBytes(it[0], 'withdraw_channel.channelId', 32)) }
  },
}
