/**
 * A settlement batch's entries, `[[receipt, channel(32)], …]` (see settlementBatch.ts), as the
 * ledger holds them between CheckTx and the block: the transaction's own bytes and, for every
 * entry, where its receipt's fields and its channel lie in them, in one Int32Array for the whole batch. A validator keeps several batches of
 * thousands of entries alive for seconds; as objects (an entry, its receipt, a view, a boxed
 * timestamp and a BigInt price each) every young-generation collection copied megabytes of
 * them, a third of a validator's time on four validators. Values are read when asked for.
 */
import type { Hex } from '../core/bytes.ts'
import { bytesToBigint, fromHex, latin1String, toHex } from '../core/bytes.ts'
import { decodeReceiptLayout } from './receipt.ts'
import { type InferenceMode } from './modes.ts'
import { type RlpItem, readBytes, readList } from '../core/rlpFields.ts'
import { InvalidBatchError } from './errors.ts'

/** What the root and the channel totals read of entries, by position (see `entrySource` for arrays). */
export interface EntrySource {
  readonly length: number
  /** The receipt's wire bytes, as the node signed it. */
  receiptBytes(i: number): Uint8Array
  /** The paying channel's 32 bytes. */
  channel(i: number): Uint8Array
  channelId(i: number): Hex
}

// Per entry, in `at`: the receipt's [start, end) in `base`, the id, node, request hash, price
// [start, end) and channel offsets in `base`, and indexes into the batch's string tables.
const RECEIPT_START = 0
const RECEIPT_END = 1
const ID = 2
const NODE = 3
const REQUEST_HASH = 4
const PRICE_START = 5
const PRICE_END = 6
const CHANNEL = 7
const CHANNEL_INDEX = 8
const MODEL_INDEX = 9
const MODE_INDEX = 10
const STRIDE = 11

export class BatchEntries implements EntrySource {
  private constructor(
    /** The whole memory the receipts are views of (offsets in `at` are into it). */
    private readonly base: Uint8Array,
    private readonly at: Int32Array,
    private readonly timestamps: Float64Array,
    /** Models and modes of the batch, each once. */
    private readonly strings: string[],
    private readonly channels: Hex[],
  ) {}

  get length(): number {
    return this.timestamps.length
  }

  /**
   * Parses `[[receipt, channel], …]` with every check of `decodeReceipt` per receipt, and no
   * receipt id twice; errors (RlpFieldError for the list's shape, InvalidBatchError for the
   * rest) name the entry. The items must be views of one buffer (a decoded
   * transaction's), which must not change while the entries are in use.
   */
  static decode(rawEntries: RlpItem[]): BatchEntries {
    const n = rawEntries.length
    const at = new Int32Array(n * STRIDE)
    const timestamps = new Float64Array(n)
    const strings: string[] = []
    const stringIndex = new Map<string, number>()
    const intern = (s: string) => {
      let i = stringIndex.get(s)
      if (i === undefined) {
        stringIndex.set(s, (i = strings.length))
        strings.push(s)
      }
      return i
    }
    const channels: Hex[] = []
    const channelIndex = new Map<string, number>()
    const seen = new Set<string>()
    let base: Uint8Array | undefined
    for (let i = 0; i < n; i++) {
      const pair = readList(rawEntries[i], `entries[${i}]`, 2)
      const receipt = readBytes(pair[0], `entries[${i}].receipt`)
      const channel = readBytes(pair[1], `entries[${i}].channel`, 32)
      // Offsets are Int32: ABCI frames are capped far below 2 GiB, but the memory may be larger.
      if (base === undefined && receipt.buffer.byteLength > 0x7fffffff) throw new InvalidBatchError('the batch lies in more than 2 GiB of memory')
      base ??= new Uint8Array(receipt.buffer)
      if (receipt.buffer !== base.buffer || channel.buffer !== base.buffer) throw new InvalidBatchError(`entries[${i}] is not in the batch's bytes`)
      let r: ReturnType<typeof decodeReceiptLayout>
      try {
        r = decodeReceiptLayout(receipt)
      } catch (err) {
        throw new InvalidBatchError(`entries[${i}].receipt is not a receipt: ${(err as Error).message}`)
      }
      const o = receipt.byteOffset
      const id = latin1String(receipt.subarray(r.idAt, r.idAt + 32))
      if (seen.has(id)) throw new InvalidBatchError(`receipt ${toHex(receipt.subarray(r.idAt, r.idAt + 32))} appears twice in the batch`)
      seen.add(id)
      const channelKey = latin1String(channel)
      let c = channelIndex.get(channelKey)
      if (c === undefined) {
        channelIndex.set(channelKey, (c = channels.length))
        channels.push(toHex(channel))
      }
      const e = i * STRIDE
      at[e + RECEIPT_START] = o
      at[e + RECEIPT_END] = o + receipt.length
      at[e + ID] = o + r.idAt
      at[e + NODE] = o + r.nodeAt
      at[e + REQUEST_HASH] = o + r.requestHashAt
      at[e + PRICE_START] = o + r.priceAt
      at[e + PRICE_END] = o + r.priceEnd
      at[e + CHANNEL] = channel.byteOffset
      at[e + CHANNEL_INDEX] = c
      at[e + MODEL_INDEX] = intern(r.model)
      at[e + MODE_INDEX] = intern(r.mode)
      timestamps[i] = r.timestamp
    }
    return new BatchEntries(base ?? new Uint8Array(0), at, timestamps, strings, channels)
  }

  private view(i: number, field: number, length: number): Uint8Array {
    const start = this.at[i * STRIDE + field]
    return this.base.subarray(start, start + length)
  }

  receiptBytes(i: number): Uint8Array {
    return this.base.subarray(this.at[i * STRIDE + RECEIPT_START], this.at[i * STRIDE + RECEIPT_END])
  }

  id(i: number): Uint8Array {
    return this.view(i, ID, 32)
  }

  node(i: number): Uint8Array {
    return this.view(i, NODE, 20)
  }

  requestHash(i: number): Uint8Array {
    return this.view(i, REQUEST_HASH, 32)
  }

  channel(i: number): Uint8Array {
    return this.view(i, CHANNEL, 32)
  }

  channelId(i: number): Hex {
    return this.channels[this.at[i * STRIDE + CHANNEL_INDEX]]
  }

  /** The channels the entries name, each once, in order of first appearance. */
  channelIds(): readonly Hex[] {
    return this.channels
  }

  model(i: number): string {
    return this.strings[this.at[i * STRIDE + MODEL_INDEX]]
  }

  mode(i: number): InferenceMode {
    return this.strings[this.at[i * STRIDE + MODE_INDEX]] as InferenceMode
  }

  price(i: number): bigint {
    return bytesToBigint(this.base.subarray(this.at[i * STRIDE + PRICE_START], this.at[i * STRIDE + PRICE_END]))
  }

  timestamp(i: number): number {
    return this.timestamps[i]
  }
}

/** An `EntrySource` over entries held as objects (a node building a batch, tests). */
export function entrySource(entries: ReadonlyArray<{ receiptBytes: Uint8Array; channelId: Hex }>): EntrySource {
  const bytes = new Map<Hex, Uint8Array>()
  return {
    length: entries.length,
    receiptBytes: (i) => entries[i].receiptBytes,
    channelId: (i) => entries[i].channelId,
    channel(i) {
      const id = entries[i].channelId
      let b = bytes.get(id)
      if (!b) bytes.set(id, (b = fromHex(id, 32)))
      return b
    },
  }
}
