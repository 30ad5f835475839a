/**
 * The copy of a settlement batch a node stores as a blob (its Walrus blob ID goes into the
 * settle_batch transaction): what a client fetches to rebuild the batch's Merkle tree and
 * prove its receipt's inclusion under the root the ledger records.
 *
 *   UTF-8 JSON {"root":"0x…","entries":[{"receipt":"<receipt wire bytes, hex without 0x>","channelId":"0x…"},…]}
 *
 * The blob ID is not part of what the node signs for the batch, so the copy can name the root.
 */
import { type Hex, fromHex, toHex, utf8 } from '../core/bytes.ts'
import { InvalidBatchError } from './errors.ts'
import { entryRoot } from './settlementBatch.ts'

export type BatchCopy = { root: Hex; entries: Array<{ receiptBytes: Uint8Array; channelId: Hex }> }

export function encodeBatchCopy(copy: BatchCopy): Uint8Array {
  return utf8(JSON.stringify({ root: copy.root, entries: copy.entries.map((e) => ({ receipt: toHex(e.receiptBytes).slice(2), channelId: e.channelId })) }))
}

const HEX_32 = /^0x[0-9a-f]{64}$/
// strict: a blob that is not UTF-8 is refused, never repaired into other text.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Reads a batch copy and checks that its entries hash to the root it names (an InvalidBatchError
 * says what is wrong); a caller still checks that root against the ledger's record.
 */
export function decodeBatchCopy(bytes: Uint8Array): BatchCopy {
  let json: { root?: unknown; entries?: unknown }
  try {
    json = JSON.parse(strictUtf8.decode(bytes)) as typeof json
  } catch (err) {
    throw new InvalidBatchError(`batch copy is not UTF-8 JSON: ${(err as Error).message}`)
  }
  if (typeof json !== 'object' || json === null || typeof json.root !== 'string' || !HEX_32.test(json.root) || !Array.isArray(json.entries)) {
    throw new InvalidBatchError('batch copy is not {"root": 0x + 64 lower-case hex digits, "entries": [...]}')
  }
  const entries = json.entries.map((e: { receipt?: unknown; channelId?: unknown }, i) => {
    if (typeof e?.receipt !== 'string' || !/^([0-9a-f]{2})+$/.test(e.receipt) || typeof e.channelId !== 'string' || !HEX_32.test(e.channelId)) {
      throw new InvalidBatchError(`batch copy entries[${i}] is not {"receipt": hex, "channelId": 0x + 64 lower-case hex digits}`)
    }
    return { receiptBytes: fromHex(`0x${e.receipt}`), channelId: e.channelId as Hex }
  })
  const root = toHex(entryRoot(entries))
  if (root !== json.root) throw new InvalidBatchError(`batch copy names root ${json.root}, its entries hash to ${root}`)
  return { root, entries }
}
