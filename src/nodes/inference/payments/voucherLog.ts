/**
 * The node's durable record of accepted vouchers: an append-only file, one voucher (hex) per
 * line, fdatasync'd before a request it pays for is served (concurrent appends share one
 * sync). On open the file is read back (a torn last line from a crash is dropped), and
 * rewritten with the latest voucher per channel only, so it stays small across restarts.
 * The latest voucher per channel is what the node settles with.
 */
import { type FileHandle, mkdir, open, readFile, rename } from 'node:fs/promises'
import { dirname } from 'node:path'
import { BaseError } from '../../../core/errors.ts'
import type { Hex } from '../../../core/bytes.ts'
import { type SignedVoucher, decodeVoucher, voucherToHex } from '../../../protocol/voucher.ts'

export class VoucherLogError extends BaseError {
  override name = 'VoucherLogError' as const
  constructor({ path, reason, cause }: { path: string; reason: string; cause?: unknown }) {
    super(`voucher log ${path}: ${reason}`, { code: 'voucher_log', cause })
  }
}

type Pending = { line: string; resolve: () => void; reject: (err: unknown) => void }

export class VoucherLog {
  private readonly latestByChannel = new Map<Hex, SignedVoucher>()
  /** Every accepted voucher by the request it paid for: settlement pairs receipts with them. */
  private readonly byRequest = new Map<Hex, SignedVoucher>()
  private pending: Pending[] = []
  private flushing = false
  private failed: unknown

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
    accepted: SignedVoucher[],
  ) {
    for (const v of accepted) {
      const prev = this.latestByChannel.get(v.channelId)
      if (!prev || v.cumulative > prev.cumulative) this.latestByChannel.set(v.channelId, v)
      this.byRequest.set(v.requestHash, v)
    }
  }

  /** The voucher that paid for the request with this hash (undefined: unpaid, or forgotten). */
  voucherOfRequest(requestHash: Hex): SignedVoucher | undefined {
    return this.byRequest.get(requestHash)
  }

  /**
   * Opens (or creates) the log at `path`.
   *
   * @example
   * const log = await VoucherLog.open('./vouchers.log')
   */
  static async open(path: string): Promise<VoucherLog> {
    await mkdir(dirname(path), { recursive: true })
    let text = ''
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new VoucherLogError({ path, reason: 'cannot be read', cause: err })
    }
    const accepted: SignedVoucher[] = []
    // The last piece is empty, or a line without its newline that was being written when the
    // node stopped: never acknowledged, so dropped.
    const complete = text.split('\n').slice(0, -1)
    complete.forEach((line, i) => {
      let v: SignedVoucher
      try {
        v = decodeVoucher(line)
      } catch (err) {
        throw new VoucherLogError({ path, reason: `line ${i + 1} is not a voucher; refusing to start rather than accept a replay`, cause: err })
      }
      accepted.push(v)
    })
    // Rewritten whole (beside, then renamed over, so a crash leaves one whole file) to drop a torn
    // tail. Every voucher is kept: settlement pairs each receipt with the voucher of its request.
    const tmp = `${path}.tmp`
    const out = await open(tmp, 'w')
    try {
      const body = accepted.map((v) => `${voucherToHex(v)}\n`).join('')
      await out.writeFile(body)
      await out.datasync()
    } finally {
      await out.close()
    }
    await rename(tmp, path)
    const file = await open(path, 'a')
    await file.datasync()
    return new VoucherLog(path, file, accepted)
  }

  /** The highest cumulative accepted on a channel (0 if none). */
  lastAccepted(channelId: Hex): bigint {
    return this.latestByChannel.get(channelId)?.cumulative ?? 0n
  }

  /** The voucher with the highest cumulative accepted on a channel: the one to settle. */
  latest(channelId: Hex): SignedVoucher | undefined {
    return this.latestByChannel.get(channelId)
  }

  /** Channels with an accepted voucher, sorted. */
  channels(): Hex[] {
    return [...this.latestByChannel.keys()].sort()
  }

  /**
   * Records `v` as the channel's latest at once (so a concurrent request sees it), then
   * resolves when it is on disk. The caller has checked it; a cumulative not above the last
   * accepted is a bug and throws.
   */
  accept(v: SignedVoucher): Promise<void> {
    if (this.failed) return Promise.reject(new VoucherLogError({ path: this.path, reason: 'an earlier write failed', cause: this.failed }))
    if (v.cumulative <= this.lastAccepted(v.channelId)) throw new VoucherLogError({ path: this.path, reason: `cumulative ${v.cumulative} on ${v.channelId} is not above the last accepted` })
    this.latestByChannel.set(v.channelId, v)
    this.byRequest.set(v.requestHash, v)
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ line: `${voucherToHex(v)}\n`, resolve, reject })
      if (!this.flushing) void this.flush()
    })
  }

  private async flush(): Promise<void> {
    this.flushing = true
    while (this.pending.length > 0) {
      const batch = this.pending
      this.pending = []
      try {
        await this.file.write(batch.map((p) => p.line).join(''))
        await this.file.datasync()
        for (const p of batch) p.resolve()
      } catch (err) {
        this.failed = err
        const e = new VoucherLogError({ path: this.path, reason: 'write failed', cause: err })
        for (const p of [...batch, ...this.pending]) p.reject(e)
        this.pending = []
      }
    }
    this.flushing = false
  }

  async close(): Promise<void> {
    while (this.flushing) await new Promise((r) => setImmediate(r))
    await this.file.close()
  }
}
