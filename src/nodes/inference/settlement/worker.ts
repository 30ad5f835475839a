/**
 * The node's settlement worker: drains the durable receipt log into settle_batch transactions.
 * Each receipt goes with the channel whose voucher paid for it (matched by request hash); for
 * every channel a batch carries the voucher of its last request in the batch (vouchers are
 * cumulative, so that one pays for the channel's receipts up to there and no further, and the
 * next batch's voucher covers the next ones). The batch is signed by the node's key, and a
 * copy is stored as a blob (its ID goes into the transaction) for light clients.
 *
 * Several batches are in flight at once (`maxInFlight`, default 4), with consecutive nonces:
 * while one is being committed the next is already checked and waiting in the mempool, so the
 * ledger is never idle waiting for the worker. Outcomes are taken in order, and the log's
 * cursor only ever moves past a batch whose fate is known.
 *
 * Crash safety: before a batch is sent, its cursor range and Merkle root are appended to the
 * in-flight file (the list of batches sent whose fate is not known yet). After a restart, or
 * after a drain stopped half-way, the listed batches are looked up on the ledger by root, in
 * order: the cursor moves past those that landed, and the rest are rebuilt from the same
 * ranges (so with the same roots) and sent again; the ledger's "a receipt settles once" rule
 * makes a duplicate landing impossible, and a resend refused as already settled is recognised
 * by its root. So no receipt is lost (the log keeps it until its batch is known to be settled)
 * and none is paid twice.
 */
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Hex } from '../../../core/bytes.ts'
import { toHex } from '../../../core/bytes.ts'
import { sha256 } from '../../../core/hash.ts'
import type { KeyFile } from '../../../core/keyfile.ts'
import type { LedgerRpc } from '../../../client/ledger/ledgerRpc.ts'
import { TxRejectedError } from '../../../client/ledger/ledgerRpc.ts'
import type { SignedVoucher } from '../../../protocol/voucher.ts'
import { buildSettleBatch, buildSettleBatchTx } from '../../../ledger/settlement/tx.ts'
import { encodeBatchCopy } from '../../../protocol/batchCopy.ts'
import type { Receipt } from '../../../protocol/receipt.ts'
import type { ReceiptLog } from '../receipts/receiptLog.ts'
import type { BlobStore } from '../../../storage/blobStore.ts'

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
  /** Batches sent and not yet committed, at most (default 4). */
  maxInFlight?: number
  onOutcome?: (o: SettlementOutcome) => void
  /**
   * A drain that failed (ledger unreachable, a damaged receipt log): the worker tries again at the
   * next interval, so without this a node could stop settling without a word.
   */
  onError?: (err: unknown) => void
}

/** A range of the log in the pipeline; root '0x' for a page with nothing paid (no transaction). */
type InFlight = { start: number; next: number; count: number; root: Hex }
const NO_BATCH: Hex = '0x'

/** A batch in the pipeline: being sent (then waiting for its block), or decided without the chain (unpaid). */
type Slot = {
  range: InFlight
  paid: Array<{ receipt: Receipt; channelId: Hex }>
  /** The broadcast: the transaction hash once CheckTx took it, or its rejection. */
  sent?: Promise<string>
  decided?: SettlementOutcome
}

/** Rejections that a later try can get past: a nonce race, fees, a registration not active yet. */
const retryable = (err: TxRejectedError) => err.codespace === 'tx' || (err.codespace === 'settlement' && err.abciCode === 3)

export class SettlementWorker {
  private timer: NodeJS.Timeout | undefined
  private running: Promise<unknown> | undefined
  /** Receipt ids this process saw refused, with the reason (also kept on disk). */
  readonly refused = new Map<Hex, string>()

  constructor(private readonly o: SettlementWorkerOptions) {}

  private get inFlightPath(): string {
    return join(this.o.dir, 'settlement-inflight.json')
  }

  /** Runs `drain` every `intervalMs` until stopped (one drain at a time). */
  start(intervalMs = 2000): void {
    const tick = () => {
      this.running = this.drain()
        .catch((err: unknown) => {
          try {
            this.o.onError?.(err)
          } catch {
            // A failing reporter must not stop the worker (nor crash the node).
          }
        })
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

  private async readInFlight(): Promise<InFlight[]> {
    try {
      const parsed = JSON.parse(await readFile(this.inFlightPath, 'utf8')) as InFlight | InFlight[] | null
      // A single object (or null) is the format of versions that sent one batch at a time.
      return parsed === null ? [] : Array.isArray(parsed) ? parsed : [parsed]
    } catch {
      return []
    }
  }

  private async writeInFlight(list: InFlight[]): Promise<void> {
    const tmp = `${this.inFlightPath}.tmp`
    await writeFile(tmp, JSON.stringify(list), { flush: true })
    await rename(tmp, this.inFlightPath)
  }

  private async batchLanded(root: Hex): Promise<boolean> {
    return (await this.o.rpc.queryJson<unknown>(`/settlement/batch/${root}`)) !== null
  }

  /**
   * Settles everything drainable now; returns what happened to each batch, in log order. Stops
   * early (the rest waits for the next drain) when the ledger asks to retry later.
   */
  async drain(): Promise<SettlementOutcome[]> {
    const out: SettlementOutcome[] = []
    const report = (o: SettlementOutcome) => {
      out.push(o)
      this.o.onOutcome?.(o)
    }
    const { receipts, rpc } = this.o
    let cursor = await receipts.readCursor()
    // Batches sent before a crash (or a stopped drain): those that landed are done; the others
    // are rebuilt from the same ranges, so a resend has the same root.
    const carried: InFlight[] = []
    for (const p of await this.readInFlight()) {
      if (p.start < cursor) continue
      if (carried.length === 0 && p.start === cursor && (p.root === NO_BATCH || (await this.batchLanded(p.root)))) {
        await receipts.commitCursor(p.next)
        cursor = p.next
        report({ status: 'settled', root: p.root, count: 0, height: 0, tx: '' })
      } else carried.push(p)
    }
    const pipeline: Slot[] = []
    // What the file lists: every range in the pipeline (so those recorded are contiguous), and
    // those still to resend.
    const unsettled = (extra: InFlight[] = []) => [...pipeline.map((s) => s.range), ...extra, ...carried]
    const chainId = await rpc.chainId()
    let nonce: bigint | undefined
    let readAt = cursor
    let filling = true
    // Broadcasts go out one after another (CheckTx must see the nonces in order) while the
    // next batch is being built.
    let sending: Promise<unknown> = Promise.resolve()
    const maxInFlight = Math.max(1, this.o.maxInFlight ?? 4)
    for (;;) {
      while (filling && pipeline.length < maxInFlight) {
        // A range recorded before is read again as it was; one that does not start here (it
        // cannot, the ranges are contiguous) is dropped with the rest.
        if (carried.length > 0 && carried[0].start !== readAt) carried.length = 0
        const page = await receipts.read(readAt, carried.shift()?.count ?? this.o.batchSize ?? 1000)
        if (page.receipts.length === 0) {
          filling = false
          break
        }
        const range: InFlight = { start: readAt, next: page.next, count: page.receipts.length, root: NO_BATCH }
        readAt = page.next
        const batch = await this.build(page.receipts, page.wire, chainId)
        if (!batch) {
          pipeline.push({ range, paid: [], decided: { status: 'unpaid', count: page.receipts.length } })
          continue
        }
        range.root = batch.msg.root
        await this.writeInFlight(unsettled([range]))
        nonce ??= BigInt((await rpc.queryJson<{ nonce: string }>(`/accounts/account/${this.o.operatorKey.address}`)).nonce)
        const fee = (this.minFee ??= BigInt((await rpc.queryJson<{ minFee: string }>('/params')).minFee))
        const tx = buildSettleBatchTx({ chainId, nonce: nonce++, fee, msg: batch.msg }, this.o.operatorKey.privateKey).bytes
        const sent = sending.then(() => this.broadcast(tx))
        sending = sent.catch(() => {})
        pipeline.push({ range, paid: batch.paid, sent })
      }
      const slot = pipeline.shift()
      if (!slot) break
      const outcome = slot.decided ?? (await this.outcomeOf(slot))
      if (outcome === 'retry') {
        // This batch and everything after it stay in the in-flight file: the next drain looks
        // each up and resends those that did not land, from the same ranges.
        await Promise.all(pipeline.map((s) => s.sent?.then((hash) => rpc.waitForTx(hash, 60_000, 40)).catch(() => undefined)))
        return out
      }
      await receipts.commitCursor(slot.range.next)
      await this.writeInFlight(unsettled())
      report(outcome)
    }
    return out
  }

  /** What became of a sent batch: settled, refused (recorded), or 'retry' (a later drain sends it again). */
  private async outcomeOf(slot: Slot): Promise<SettlementOutcome | 'retry'> {
    const { root } = slot.range
    let rejection: TxRejectedError
    try {
      const hash = await slot.sent!
      const result = await this.o.rpc.waitForTx(hash, 60_000, 40)
      if (result.code === 0) return { status: 'settled', root, count: slot.paid.length, height: result.height, tx: hash }
      rejection = new TxRejectedError(result.codespace, result.code, result.log)
    } catch (err) {
      if (!(err instanceof TxRejectedError)) throw err
      rejection = err
    }
    // A resend of a batch that did land after all is refused as already settled: it is settled.
    if (await this.batchLanded(root)) return { status: 'settled', root, count: slot.paid.length, height: 0, tx: '' }
    if (retryable(rejection)) return 'retry'
    return this.refuse(root, slot.paid, rejection.shortMessage)
  }

  private minFee: bigint | undefined

  /** Submits; a transaction CometBFT already holds (the same bytes sent again after a restart) counts as sent. */
  private async broadcast(tx: Uint8Array): Promise<string> {
    try {
      return await this.o.rpc.broadcast(tx)
    } catch (err) {
      if (/already exists in cache/i.test(String((err as Error).message))) return toHex(sha256(tx)).slice(2).toUpperCase()
      throw err
    }
  }

  /** The batch of a page: each paid receipt with its channel, and each channel's latest voucher; undefined when nothing was paid. */
  private async build(page: Receipt[], wire: Uint8Array[], chainId: string) {
    const paid: Array<{ receipt: Receipt; channelId: Hex; receiptBytes: Uint8Array }> = []
    const latestInBatch = new Map<Hex, SignedVoucher>()
    page.forEach((receipt, i) => {
      const v = this.o.vouchers.voucherOfRequest(receipt.requestHash)
      if (!v) return
      paid.push({ receipt, channelId: v.channelId, receiptBytes: wire[i] })
      const seen = latestInBatch.get(v.channelId)
      if (!seen || v.cumulative > seen.cumulative) latestInBatch.set(v.channelId, v)
    })
    if (paid.length === 0) return undefined
    const latest = [...latestInBatch.keys()].sort().map((c) => latestInBatch.get(c)!)
    const msg = buildSettleBatch({ chainId, node: this.o.operatorKey.address, entries: paid, vouchers: latest, signingKey: this.o.signingKey })
    if (this.o.store) {
      msg.blobId = (await this.o.store.put(encodeBatchCopy({ root: msg.root, entries: paid }))).blobId
    }
    return { paid, msg }
  }

  /** Refused as a whole, for a reason that sending again will not change: recorded, and the cursor moves on. */
  private async refuse(root: Hex, paid: Array<{ receipt: Receipt }>, reason: string): Promise<SettlementOutcome> {
    for (const p of paid) this.refused.set(p.receipt.id, reason)
    await writeFile(join(this.o.dir, 'settlement-refused.jsonl'), `${JSON.stringify({ root, reason, receipts: paid.map((p) => p.receipt.id) })}\n`, { flag: 'a' })
    return { status: 'refused', root, count: paid.length, reason }
  }
}
