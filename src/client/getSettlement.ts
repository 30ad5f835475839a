/**
 * Where a receipt stands in settlement: `settled` (the batch record that lists it proven by a
 * Merkle proof against the app hash of a committed block header), `refused` (the node's settlement
 * was refused, with the ledger's reason, as the node reports it), or `pending`.
 */
import type { Hex } from '../core/bytes.ts'
import { BaseError } from '../core/errors.ts'
import type { LedgerRpc } from './ledger/ledgerRpc.ts'
import { batchKey } from '../ledger/settlement/keys.ts'
import { decodeSettledBatch } from '../protocol/settledBatch.ts'
import { TimeoutError } from './ledger/wait.ts'

export type GetSettlementParameters = {
  receiptId: Hex
  /** The node that signed the receipt: asked whether it was refused when the ledger has no record. */
  nodeUrl?: string
}

export type GetSettlementReturnType =
  | { status: 'settled'; receiptId: Hex; height: number; batchRoot: Hex; index: number; receiptHash: Hex; proof: { height: number; appHash: string } }
  | { status: 'refused'; receiptId: Hex; reason: string }
  | { status: 'pending'; receiptId: Hex }

export class SettlementProofError extends BaseError {
  override name = 'SettlementProofError' as const
  constructor(message: string) {
    super(message, { code: 'bad_settlement_proof' })
  }
}

export class InvalidReceiptIdError extends BaseError {
  override name = 'InvalidReceiptIdError' as const
  constructor(id: string) {
    super(`"${id}" is not a receipt id (0x + 64 hex digits)`, { code: 'invalid_receipt_id' })
  }
}

/**
 * @example
 * const s = await getSettlement(rpc, { receiptId: receipt.id, nodeUrl: node.url })
 * if (s.status === 'settled') console.log(`settled at ${s.height} in batch ${s.batchRoot}`)
 */
export async function getSettlement(rpc: LedgerRpc, { receiptId, nodeUrl }: GetSettlementParameters): Promise<GetSettlementReturnType> {
  if (!/^0x[0-9a-fA-F]{64}$/.test(receiptId)) throw new InvalidReceiptIdError(receiptId)
  const id = receiptId.toLowerCase() as Hex
  // The index says which batch; the batch record (state, listing every receipt it settled) is
  // proven against a committed app hash, and must list this receipt where the index says.
  const where = await rpc.queryJson<{ status: string; batchRoot?: Hex; height?: number; index?: number; receiptHash?: Hex }>(`/settlement/receipt/${id}`)
  if (where.status === 'settled' && where.batchRoot) {
    const proven = await rpc.queryProven(batchKey(where.batchRoot))
    if (!proven.value) throw new SettlementProofError(`the ledger says receipt ${id} settled in batch ${where.batchRoot}, but proves no such batch`)
    const batch = decodeSettledBatch(where.batchRoot, proven.value)
    const entry = batch.entries[where.index ?? -1]
    if (!entry || entry.receiptId !== id) throw new SettlementProofError(`batch ${where.batchRoot} does not list receipt ${id} at entry ${where.index}`)
    return { status: 'settled', receiptId: id, batchRoot: where.batchRoot, height: batch.height, index: where.index!, receiptHash: entry.receiptHash, proof: { height: proven.height, appHash: proven.appHash } }
  }
  if (nodeUrl) {
    try {
      const res = await fetch(`${nodeUrl.replace(/\/+$/, '')}/v1/receipts/${id}/settlement`, { signal: AbortSignal.timeout(5000) })
      if (res.ok) {
        const body = (await res.json()) as { status?: string; reason?: string }
        if (body.status === 'refused') return { status: 'refused', receiptId: id, reason: body.reason ?? 'refused' }
      }
    } catch {
      // The node is unreachable: the ledger's answer (pending) stands.
    }
  }
  return { status: 'pending', receiptId: id }
}

/** Polls until the receipt is settled or refused. */
export async function waitForSettlement(rpc: LedgerRpc, p: GetSettlementParameters & { timeoutMs?: number; intervalMs?: number }): Promise<Exclude<GetSettlementReturnType, { status: 'pending' }>> {
  const deadline = Date.now() + (p.timeoutMs ?? 120_000)
  for (;;) {
    const s = await getSettlement(rpc, p)
    if (s.status !== 'pending') return s
    if (Date.now() > deadline) throw new TimeoutError(`receipt ${p.receiptId} to settle`, p.timeoutMs ?? 120_000)
    await new Promise((r) => setTimeout(r, p.intervalMs ?? 500))
  }
}
