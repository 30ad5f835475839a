import { type Hex, fromHex, toHex } from '../../core/bytes.ts'
import { parseAddress } from '../../core/keys.ts'
import type { StateReader } from '../state/overlay.ts'
import { ErrInvalidPaymentMsg } from './errors.ts'
import { type Channel, type ChannelStatus, channelStatus, getClientChannelIds, mustGetChannel } from './keeper.ts'
import { getPaymentsParams } from './params.ts'

/** A channel as JSON: integers as decimal strings. */
export type ChannelView = {
  id: Hex
  client: Hex
  node: Hex
  deposit: string
  spent: string
  /** deposit − spent. */
  remaining: string
  nonce: string
  openedHeight: number
  closesAtMs: string
  status: ChannelStatus
}

export function channelView(c: Channel): ChannelView {
  return {
    id: c.id,
    client: c.client,
    node: c.node,
    deposit: c.deposit.toString(),
    spent: c.spent.toString(),
    remaining: (c.deposit - c.spent).toString(),
    nonce: c.nonce.toString(),
    openedHeight: c.openedHeight,
    closesAtMs: c.closesAtMs.toString(),
    status: channelStatus(c),
  }
}

function channelId(ref: string): Hex {
  try {
    return toHex(fromHex(ref, 32))
  } catch {
    throw new ErrInvalidPaymentMsg(`"${ref}" is not a channel ID (0x + 64 hex digits)`)
  }
}

/** `/payments/channel/<id>` */
export async function queryChannel(store: StateReader, ref: string): Promise<ChannelView> {
  return channelView(await mustGetChannel(store, channelId(ref)))
}

/** `/payments/channels/<client address>`: the client's channels in opening order. */
export async function queryClientChannels(store: StateReader, ref: string): Promise<ChannelView[]> {
  let client
  try {
    client = parseAddress(ref)
  } catch {
    throw new ErrInvalidPaymentMsg(`"${ref}" is not an address`)
  }
  const out: ChannelView[] = []
  for (const id of await getClientChannelIds(store, client)) out.push(channelView(await mustGetChannel(store, id)))
  return out
}

/** `/payments/params` */
export async function queryPaymentsParams(store: StateReader): Promise<{ feeBps: string; challengePeriodMs: string }> {
  const p = await getPaymentsParams(store)
  return { feeBps: p.feeBps.toString(), challengePeriodMs: p.challengePeriodMs.toString() }
}
