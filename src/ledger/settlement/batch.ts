/**
 * What a node signs for a batch: the chain, itself, the Merkle root of the entries, their
 * count, and the total price per channel (sorted by channel id).
 */
import { RLP } from '@ethereumjs/rlp'
import { bigintToBytes, concatBytes, fromHex, toHex, utf8 } from '../../core/bytes.ts'
import type { Hex } from '../../core/bytes.ts'
import { sha256 } from '../../core/hash.ts'
import type { Address } from '../../core/keys.ts'
import type { BatchEntries, EntrySource } from './batchEntries.ts'
import { entryRoot } from './msgs.ts'

const DOMAIN = utf8('haca/settlement-batch/v1\n')

export type ChannelTotal = { channelId: Hex; total: bigint }

/** The total price per channel, sorted by channel id: from decoded entries, or from objects (a node building a batch). */
export function channelTotals(entries: BatchEntries | ReadonlyArray<{ receipt: { price: bigint }; channelId: Hex }>): ChannelTotal[] {
  const totals = new Map<Hex, bigint>()
  const add = (channelId: Hex, price: bigint) => totals.set(channelId, (totals.get(channelId) ?? 0n) + price)
  if (Array.isArray(entries)) for (const e of entries) add(e.channelId, e.receipt.price)
  else for (let i = 0, b = entries as BatchEntries; i < b.length; i++) add(b.channelId(i), b.price(i))
  return [...totals.keys()].sort().map((channelId) => ({ channelId, total: totals.get(channelId)! }))
}

export function batchRoot(entries: EntrySource | ReadonlyArray<{ receiptBytes: Uint8Array; channelId: Hex }>): Hex {
  return toHex(entryRoot(entries))
}

export function batchDigest(p: { chainId: string; node: Address; root: Hex; count: number; totals: ChannelTotal[] }): Uint8Array {
  const totals = p.totals.map((t) => [fromHex(t.channelId, 32), bigintToBytes(t.total)])
  return sha256(concatBytes(DOMAIN, RLP.encode([utf8(p.chainId), fromHex(p.node, 20), fromHex(p.root, 32), bigintToBytes(BigInt(p.count)), totals])))
}
