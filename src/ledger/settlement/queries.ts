import type { Hex } from '../../core/bytes.ts'
import type { StateReader } from '../state/overlay.ts'
import { ErrInvalidBatch } from './errors.ts'
import { getBatch, getSettledReceipt } from './keeper.ts'

const HASH_RE = /^0x[0-9a-fA-F]{64}$/

/** `/settlement/receipt/<id>`: settled (where) or pending (the ledger has not seen it settle). */
export async function queryReceipt(store: StateReader, id: string) {
  if (!HASH_RE.test(id)) throw new ErrInvalidBatch(`"${id}" is not a receipt id (0x + 64 hex)`)
  const r = await getSettledReceipt(store, id.toLowerCase() as Hex)
  if (!r) return { status: 'pending' as const, receiptId: id.toLowerCase() }
  const batch = await getBatch(store, r.batchRoot)
  return { status: 'settled' as const, ...r, node: batch?.node, blobId: batch?.blobId, batchCount: batch?.count }
}

/** `/settlement/batch/<root>` */
export async function queryBatch(store: StateReader, root: string) {
  if (!HASH_RE.test(root)) throw new ErrInvalidBatch(`"${root}" is not a batch root (0x + 64 hex)`)
  const b = await getBatch(store, root.toLowerCase() as Hex)
  return b ? { ...b, amount: b.amount.toString(), entries: undefined } : null
}
