import { bigintToBytes, fromHex } from '../../core/bytes.ts'
import type { Address } from '../../core/keys.ts'
import { type RlpItem, readAddress, readList, readUint } from '../tx/fields.ts'
import { ErrInvalidAmount } from './errors.ts'

export const MSG_TRANSFER = 1

export type MsgTransfer = { to: Address; amount: bigint }

export const transferCodec = {
  type: MSG_TRANSFER,
  name: 'transfer',
  encode(msg: MsgTransfer): RlpItem[] {
    return [fromHex(msg.to, 20), bigintToBytes(msg.amount)]
  },
  /** Stateless checks only: shape and a positive amount. */
  decode(body: RlpItem[]): MsgTransfer {
    const items = readList(body, 'transfer', 2)
    const msg = { to: readAddress(items[0], 'transfer.to'), amount: readUint(items[1], 'transfer.amount') }
    if (msg.amount === 0n) throw new ErrInvalidAmount('transfer.amount must be positive')
    return msg
  },
}
