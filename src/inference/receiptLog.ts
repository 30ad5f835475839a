/**
 * The durable queue of unsettled receipts: an append-only file, one receipt per line as the
 * hex of its wire form. Appends are group-committed: every receipt that arrives while a flush
 * is running waits for the next one, and a flush is one synchronous-data write (O_DSYNC) for
 * the whole batch. `append` resolves only after that write has reached stable storage, and
 * the node releases an answer only after that, so a node killed with SIGKILL (or a machine
 * that loses power) has on disk every receipt it handed out.
 *
 * The file is preallocated with zeros, a chunk at a time, and written in place: an O_DSYNC
 * write that does not grow the file needs no journal commit for the file size, which on ext4
 * here measured p50 119 µs / p99 205 µs against 185 µs / 2.4 ms for appending. The log ends
 * at the first zero byte. Settlement drains it with a byte-offset cursor it commits when done.
 */
import fs from 'node:fs'
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BaseError } from '../core/errors.ts'
import type { Hex } from '../core/bytes.ts'
import { type Receipt, decodeReceipt, encodeReceipt } from './receipt.ts'

export class ReceiptLogError extends BaseError {
  override name = 'ReceiptLogError' as const
  constructor({ path, reason, cause }: { path: string; reason: string; cause?: unknown }) {
    super(`receipt log ${path}: ${reason}`, { code: 'receipt_log', cause })
  }
}

export type ReceiptLogOptions = {
  /** Most receipts written by one flush (default 1024). */
  maxBatch?: number
  /** Extra time a flush waits to gather a batch, in ms (default 0: flush as soon as the event loop turns). */
  maxDelayMs?: number
  /** Most receipts kept in memory for `get` (default 100,000; older ones are still in the file). */
  maxIndexed?: number
  /** Zero-filled bytes added to the file at a time (default 8 MiB). */
  preallocateBytes?: number
  /** Called with each flush's size and duration, for metrics. */
  onFlush?: (receipts: number, seconds: number) => void
}

/** One page of drained receipts; `next` is the cursor to read (and eventually commit) next. */
export type ReceiptPage = { receipts: Receipt[]; next: number }

type Pending = { line: Buffer; receipt: Receipt; resolve: () => void; reject: (err: Error) => void }

export const RECEIPT_LOG_FILE = 'receipts.log'
export const DRAIN_CURSOR_FILE = 'drain-cursor.json'

/** Parses complete lines; returns the receipts and the length of the valid prefix. */
function parseLines(text: string, path: string): { receipts: Receipt[]; validLength: number } {
  const receipts: Receipt[] = []
  let offset = 0
  for (;;) {
    const end = text.indexOf('\n', offset)
    if (end < 0) break
    const line = text.slice(offset, end)
    try {
      receipts.push(decodeReceipt(Buffer.from(line.slice(2), 'hex')))
    } catch (err) {
      // Only a torn tail is expected (a write cut short); damage before the tail is corruption.
      if (text.indexOf('\n', end + 1) >= 0) throw new ReceiptLogError({ path, reason: `corrupt line at byte ${offset}`, cause: err })
      break
    }
    offset = end + 1
  }
  return { receipts, validLength: offset }
}

export class ReceiptLog {
  readonly path: string
  readonly dir: string
  private fd: number
  private size: number
  private readonly pending: Pending[] = []
  private flushing = false
  private scheduled = false
  private failed: Error | null = null
  private closed = false
  private readonly index = new Map<string, Receipt>()
  private readonly maxBatch: number
  private readonly maxDelayMs: number
  private readonly maxIndexed: number
  private readonly onFlush?: (receipts: number, seconds: number) => void
  private idleWaiters: (() => void)[] = []
  /** Bytes of the file that exist (zero-filled past `size`). */
  private allocated: number
  private readonly chunk: number
  private extending: Promise<void> | null = null

  private constructor(dir: string, fd: number, size: number, allocated: number, options: ReceiptLogOptions) {
    this.dir = dir
    this.path = join(dir, RECEIPT_LOG_FILE)
    this.fd = fd
    this.size = size
    this.allocated = allocated
    this.chunk = options.preallocateBytes ?? 8 << 20
    this.maxBatch = options.maxBatch ?? 1024
    this.maxDelayMs = options.maxDelayMs ?? 0
    this.maxIndexed = options.maxIndexed ?? 100_000
    this.onFlush = options.onFlush
  }

  /** Opens (or creates) the log in `dir`, reading back what is there and zeroing a torn last line. */
  static async open(dir: string, options: ReceiptLogOptions = {}): Promise<ReceiptLog> {
    await mkdir(dir, { recursive: true })
    const path = join(dir, RECEIPT_LOG_FILE)
    let bytes = Buffer.alloc(0)
    try {
      bytes = await readFile(path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ReceiptLogError({ path, reason: 'cannot be read', cause: err })
    }
    const firstZero = bytes.indexOf(0)
    const contentEnd = firstZero < 0 ? bytes.length : firstZero
    const { receipts, validLength } = parseLines(bytes.toString('latin1', 0, contentEnd), path)
    // O_DSYNC: each write returns once its data is on stable storage, so a group commit is one
    // write syscall (one thread-pool hop) instead of write + fdatasync.
    const { O_WRONLY, O_CREAT, O_DSYNC } = fs.constants
    const fd = fs.openSync(path, O_WRONLY | O_CREAT | O_DSYNC, 0o644)
    // Whatever follows the last complete line (a torn write, stray bytes) must read as zeros.
    if (!isZero(bytes, validLength)) fs.writeSync(fd, Buffer.alloc(bytes.length - validLength), 0, bytes.length - validLength, validLength)
    // The directory entry of a newly created log must be durable too.
    const dirFd = fs.openSync(dir, 'r')
    try {
      fs.fsyncSync(dirFd)
    } finally {
      fs.closeSync(dirFd)
    }
    const log = new ReceiptLog(dir, fd, validLength, bytes.length, options)
    for (const r of receipts) log.remember(r)
    await log.ensureSpace(0)
    return log
  }

  /** Makes sure `extra` bytes past `size` are allocated, extending ahead of need in the background. */
  private async ensureSpace(extra: number): Promise<void> {
    while (this.size + extra > this.allocated || (this.extending === null && this.allocated - this.size < this.chunk / 2)) {
      if (this.extending === null) {
        const from = this.allocated
        const zeros = Buffer.alloc(this.chunk)
        this.extending = new Promise<void>((resolve, reject) => writeAll(this.fd, zeros, from, (err) => {
          this.extending = null
          if (err) return reject(err)
          this.allocated = from + zeros.length
          resolve()
        }))
        // A failed extension is reported to whoever waits on it; nobody may be waiting.
        this.extending.catch(() => {})
      }
      if (this.size + extra <= this.allocated) return
      await this.extending
    }
  }

  /** Receipts recovered at open plus those appended since (up to `maxIndexed`). */
  get indexed(): number {
    return this.index.size
  }

  /** Bytes durably written (a cursor at this value has nothing more to drain). */
  get durableSize(): number {
    return this.size
  }

  private remember(receipt: Receipt): void {
    this.index.set(receipt.id, receipt)
    if (this.index.size > this.maxIndexed) this.index.delete(this.index.keys().next().value as string)
  }

  /** A durable receipt by id, if it is still indexed in memory. */
  get(id: Hex): Receipt | undefined {
    return this.index.get(id.toLowerCase())
  }

  /** Appends a receipt; resolves once it is on stable storage (after its batch's synchronous write). */
  append(receipt: Receipt): Promise<void> {
    if (this.closed) return Promise.reject(new ReceiptLogError({ path: this.path, reason: 'closed' }))
    if (this.failed) return Promise.reject(new ReceiptLogError({ path: this.path, reason: 'an earlier write failed', cause: this.failed }))
    const line = Buffer.from(`0x${Buffer.from(encodeReceipt(receipt)).toString('hex')}\n`, 'latin1')
    return new Promise((resolve, reject) => {
      this.pending.push({ line, receipt, resolve, reject })
      this.schedule()
    })
  }

  private schedule(): void {
    if (this.flushing || this.scheduled || this.pending.length === 0) return
    this.scheduled = true
    const run = () => {
      this.scheduled = false
      this.flush()
    }
    // setImmediate lets every request that became ready in this event-loop turn join the batch.
    if (this.maxDelayMs > 0 && this.pending.length < this.maxBatch) setTimeout(run, this.maxDelayMs)
    else setImmediate(run)
  }

  private flush(): void {
    if (this.flushing || this.pending.length === 0) return
    this.flushing = true
    const batch = this.pending.splice(0, this.maxBatch)
    const data = batch.length === 1 ? batch[0].line : Buffer.concat(batch.map((p) => p.line))
    const started = process.hrtime.bigint()
    const done = (err: Error | null) => {
      this.flushing = false
      if (err) {
        this.failed = err
        const wrapped = new ReceiptLogError({ path: this.path, reason: 'write failed', cause: err })
        for (const p of [...batch, ...this.pending.splice(0)]) p.reject(wrapped)
      } else {
        this.size += data.length
        for (const p of batch) this.remember(p.receipt)
        this.onFlush?.(batch.length, Number(process.hrtime.bigint() - started) / 1e9)
        for (const p of batch) p.resolve()
      }
      if (this.pending.length) this.schedule()
      else if (!this.flushing) for (const w of this.idleWaiters.splice(0)) w()
    }
    const write = () => writeAll(this.fd, data, this.size, done)
    // Writing past the zero-filled space while an extension is in flight could be overwritten
    // by its zeros, so such a write waits for the extension first.
    if (this.size + data.length <= this.allocated && this.extending === null && this.allocated - this.size - data.length >= this.chunk / 2) write()
    else this.ensureSpace(data.length).then(write, done)
  }

  /**
   * Reads up to `limit` durable receipts starting at byte offset `cursor` (0 for the start).
   * Pass the returned `next` to the following call; commit it with {@link commitCursor} once
   * the receipts are settled.
   */
  async read(cursor: number, limit = 1000): Promise<ReceiptPage> {
    const end = this.size
    if (cursor >= end) return { receipts: [], next: cursor }
    const handle = await open(this.path, 'r')
    try {
      const receipts: Receipt[] = []
      let position = cursor
      let carry = ''
      const chunk = Buffer.alloc(1 << 20)
      while (position < end && receipts.length < limit) {
        const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, end - position), position)
        if (bytesRead === 0) break
        position += bytesRead
        carry += chunk.toString('latin1', 0, bytesRead)
        let lineStart = 0
        for (;;) {
          const nl = carry.indexOf('\n', lineStart)
          if (nl < 0 || receipts.length >= limit) break
          receipts.push(decodeReceipt(Buffer.from(carry.slice(lineStart + 2, nl), 'hex')))
          lineStart = nl + 1
        }
        // Bytes after the last consumed line are re-read next time round (or by the next call).
        position -= carry.length - lineStart
        carry = ''
      }
      return { receipts, next: position }
    } finally {
      await handle.close()
    }
  }

  /** The committed drain cursor (0 when none was committed). */
  async readCursor(): Promise<number> {
    try {
      const parsed = JSON.parse(await readFile(join(this.dir, DRAIN_CURSOR_FILE), 'utf8')) as { offset?: unknown }
      return typeof parsed.offset === 'number' ? parsed.offset : 0
    } catch {
      return 0
    }
  }

  /** Durably records that everything before `cursor` is settled. */
  async commitCursor(cursor: number): Promise<void> {
    if (!Number.isSafeInteger(cursor) || cursor < 0 || cursor > this.size) throw new ReceiptLogError({ path: this.path, reason: `cursor ${cursor} is outside the log` })
    const target = join(this.dir, DRAIN_CURSOR_FILE)
    const tmp = `${target}.tmp`
    await writeFile(tmp, JSON.stringify({ offset: cursor }))
    const h = await open(tmp, 'r+')
    await h.sync()
    await h.close()
    await rename(tmp, target)
  }

  /** Waits for queued appends, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return
    if (this.flushing || this.pending.length) await new Promise<void>((resolve) => this.idleWaiters.push(resolve))
    if (this.extending) await this.extending.catch(() => {})
    this.closed = true
    fs.closeSync(this.fd)
    this.fd = -1
  }
}

function writeAll(fd: number, data: Buffer, position: number, cb: (err: Error | null) => void): void {
  fs.write(fd, data, 0, data.length, position, (err, written) => {
    if (err) return cb(err)
    if (written < data.length) return writeAll(fd, data.subarray(written), position + written, cb)
    cb(null)
  })
}

/** True when every byte of `bytes` from `from` on is zero. */
function isZero(bytes: Buffer, from: number): boolean {
  const zeros = Buffer.alloc(Math.min(1 << 16, Math.max(0, bytes.length - from)))
  for (let at = from; at < bytes.length; at += zeros.length) {
    const end = Math.min(bytes.length, at + zeros.length)
    if (bytes.compare(zeros, 0, end - at, at, end) !== 0) return false
  }
  return true
}
