/**
 * The node's settlement worker: drains the durable receipt log into settle_batch transactions.
 * Each receipt goes with the channel whose voucher paid for it (matched by request hash); for
 * every channel a batch carries the voucher of its last request in the batch (vouchers are
 * cumulative, so that one pays for the channel's receipts up to there and no further, and the
 * next batch's voucher covers the next ones). The batch is signed by the node's key, and a
 * copy is stored as a blob (its ID goes into the transaction) for light clients.
 *
 * Crash safety: before a batch is sent, its cursor range and Merkle root are written to an
 * in-flight file. After a restart, an in-flight batch is looked up on the ledger by its root:
 * if it landed, the cursor moves past it; if not, the same receipts are sent again, and the
 * ledger's "a receipt settles once" rule makes a duplicate landing impossible. So no receipt
 * is lost (the log keeps it until its batch is known to be settled) and none is paid twice.
 */
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Hex } from '../../core/bytes.ts'
import type { KeyFile } from '../../core/keyfile.ts'
import type { LedgerRpc } from '../../consensus/rpc/ledger-rpc.ts'
import { TxRejectedError } from '../../consensus/rpc/ledger-rpc.ts'
import { sendTx } from '../../consensus/rpc/send-tx.ts'
import type { SignedVoucher } from '../../ledger/payments/voucher.ts'
import { buildSettleBatch, buildSettleBatchTx } from '../../ledger/settlement/tx.ts'
import { encodeReceipt, type Receipt } from '../receipt.ts'
import type { ReceiptLog } from '../receiptLog.ts'
import type { BlobStore } from '../../storage/blobStore.ts'

/** What the worker needs from the node's voucher records. */
export type VoucherBook = {
  /** The voucher that paid for the request with this hash, if one did. */
  voucherOfRequest(requestHash: Hex): SignedVoucher | undefined
}

export type SettlementOutcome =
  | { status: 'settled'; root: Hex; count: number; height: number; tx: string }
  | { status: 'refused'; root: Hex; count: number; reason: string }
  | { status: 'unpaid'; count: number }

export type SettlementWorkerOptions = {
  receipts: ReceiptLog
  vouchers: VoucherBook
  rpc: LedgerRpc
  /** The operator account: sends the transactions. */
  operatorKey: KeyFile
  /** The registered signing key (signs the batch). */
  signingKey: Uint8Array
  /** Where batch copies go; without one, batches carry no blob ID. */
  store?: BlobStore
  /** Directory for the in-flight and refusals files. */
  dir: string
  batchSize?: number
  onOutcome?: (o: SettlementOutcome) => void
}

type InFlight = { start: number; next: number; count: number; root: Hex }

export class SettlementWorker {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> | undefined
  /** Receipt ids this process saw refused, with the reason (also kept on disk). */
  readonly refused = new Map<Hex, string>()

  constructor(private readonly o: SettlementWorkerOptions) {}

  private get inFlightPath(): string {
    return join(this.o.dir, 'settlement-inflight.json')
  }

  /** Settles everything drainable now, batch by batch; returns what happened to each batch. */
  async drain(): Promise<SettlementOutcome[]> {
    const out: SettlementOutcome[] = []
    for (;;) {
      const o = await this.settleOne()
      if (!o) return out
      out.push(o)
      this.o.onOutcome?.(o)
    }
  }

  /** Runs `drain` every `intervalMs` until stopped (one drain at a time). */
  start(intervalMs = 2000): void {
    const tick = () => {
      this.running = this.drain()
        .catch(() => {})
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, intervalMs)
        })
    }
    this.timer = setTimeout(tick, intervalMs)
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    await this.running
  }

  private async readInFlight(): Promise<InFlight | undefined> {
    try {
      return JSON.parse(await readFile(this.inFlightPath, 'utf8')) as InFlight
    } catch {
      return undefined
    }
  }

  private async writeInFlight(f: InFlight | undefined): Promise<void> {
    const tmp = `${this.inFlightPath}.tmp`
    await writeFile(tmp, JSON.stringify(f ?? null), { flush: true })
    await rename(tmp, this.inFlightPath)
  }

  private async batchLanded(root: Hex): Promise<boolean> {
    return (await this.o.rpc.queryJson<unknown>(`/settlement/batch/${root}`)) !== null
  }

  private async settleOne(): Promise<SettlementOutcome | undefined> {
    const { receipts, vouchers, rpc } = this.o
    const cursor = await receipts.readCursor()
    const pending = await this.readInFlight()
    if (pending && pending.start === cursor && (await this.batchLanded(pending.root))) {
      // Sent before a crash and committed: move on.
      await receipts.commitCursor(pending.next)
      await this.writeInFlight(undefined)
      return { status: 'settled', root: pending.root, count: 0, height: 0, tx: '' }
    }
    // After a crash, the same range again (so the same root), whatever the batch size is now.
    const page = await receipts.read(cursor, pending && pending.start === cursor ? pending.count : (this.o.batchSize ?? 1000))
    if (page.receipts.length === 0) return undefined
    const paid: Array<{ receipt: Receipt; channelId: Hex }> = []
    const latestInBatch = new Map<Hex, SignedVoucher>()
    for (const receipt of page.receipts) {
      const v = vouchers.voucherOfRequest(receipt.requestHash)
      if (!v) continue
      paid.push({ receipt, channelId: v.channelId })
      const seen = latestInBatch.get(v.channelId)
      if (!seen || v.cumulative > seen.cumulative) latestInBatch.set(v.channelId, v)
    }
    if (paid.length === 0) {
      await receipts.commitCursor(page.next)
      return { status: 'unpaid', count: page.receipts.length }
    }
    const latest = [...latestInBatch.keys()].sort().map((c) => latestInBatch.get(c)!)
    const chainId = await rpc.chainId()
    let msg = buildSettleBatch({ chainId, node: this.o.operatorKey.address, entries: paid, vouchers: latest, signingKey: this.o.signingKey })
    if (this.o.store) {
      const copy = new TextEncoder().encode(JSON.stringify({ root: msg.root, entries: paid.map((p) => ({ receipt: Buffer.from(encodeReceipt(p.receipt)).toString('hex'), channelId: p.channelId })) }))
      const { blobId } = await this.o.store.put(copy)
      msg = buildSettleBatch({ chainId, node: this.o.operatorKey.address, entries: paid, vouchers: latest, signingKey: this.o.signingKey, blobId })
    }
    await this.writeInFlight({ start: cursor, next: page.next, count: page.receipts.length, root: msg.root })
    try {
      const sent = await sendTx(rpc, { key: this.o.operatorKey, build: (p) => buildSettleBatchTx({ ...p, msg }, this.o.operatorKey.privateKey).bytes })
      await receipts.commitCursor(page.next)
      await this.writeInFlight(undefined)
      return { status: 'settled', root: msg.root, count: paid.length, height: sent.result?.height ?? 0, tx: sent.hash }
    } catch (err) {
      if (!(err instanceof TxRejectedError)) throw err
      // A resend of a batch that did land after all is refused as already settled: it is settled.
      if (await this.batchLanded(msg.root)) {
        await receipts.commitCursor(page.next)
        await this.writeInFlight(undefined)
        return { status: 'settled', root: msg.root, count: paid.length, height: 0, tx: '' }
      }
      // Worth another try later: a nonce race, fees, or a node whose registration is not active yet.
      if (err.codespace === 'tx' || (err.codespace === 'settlement' && err.abciCode === 3)) return undefined
      // Refused as a whole, for a reason that sending again will not change: record it and move on.
      const reason = err.shortMessage
      for (const p of paid) this.refused.set(p.receipt.id, reason)
      await writeFile(join(this.o.dir, 'settlement-refused.jsonl'), `${JSON.stringify({ root: msg.root, reason, receipts: paid.map((p) => p.receipt.id) })}\n`, { flag: 'a' })
      await receipts.commitCursor(page.next)
      await this.writeInFlight(undefined)
      return { status: 'refused', root: msg.root, count: paid.length, reason }
    }
  }
}
