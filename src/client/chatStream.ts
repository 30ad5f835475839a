/**
 * Reads a node's chat stream: yields each chunk as it arrives, hashes every byte before the
 * receipt event, and verifies the receipt when the stream ends. If the receipt is missing or
 * does not match, iteration ends with a ReceiptVerificationError naming the node.
 *
 * Every wait for the next bytes is bounded by `idleTimeoutMs`: a node that goes quiet ends the
 * stream with a NodeStreamStalledError and its request is aborted (the socket closed). The
 * client reads up to the first chunk before handing the stream over ({@link HacaChatStream.start}),
 * so a node that stalls or fails before answering anything is retried on another node.
 */
import { createHash } from 'node:crypto'
import type { Hex } from '../core/bytes.ts'
import { type Receipt, type ReceiptJson, receiptFromJson } from '../protocol/receipt.ts'
import type { ChatChunk } from '../protocol/chat.ts'
import { NodeRequestError, NodeStreamStalledError, ReceiptVerificationError, StreamConsumedError } from './errors.ts'
import type { NodeInfo } from './nodeDirectory.ts'
import { type VerifyAnswerParameters, verifyAnswer } from './verifyAnswer.ts'
import { RECEIPT_EVENT } from '../protocol/http.ts'

const RECEIPT_EVENT_PREFIX = `event: ${RECEIPT_EVENT}\n`

export type HacaChatStreamOptions = Omit<VerifyAnswerParameters, 'receipt' | 'responseHash'> & {
  checkSigner?: (receipt: Receipt, node: NodeInfo) => Promise<void>
  /** Longest wait for the stream's next bytes, in ms (the client's `streamIdleTimeoutMs`). */
  idleTimeoutMs: number
  /** Aborts the HTTP request, closing its socket; called when the stream stalls or is left unfinished. */
  abort?: (reason: Error) => void
}

/** An OpenAI-style chunk stream whose receipt is known (and verified) once it has been read to the end. */
export class HacaChatStream implements AsyncIterable<ChatChunk> {
  /** The verified receipt; set when iteration completes. */
  receipt: Receipt | undefined
  readonly node: NodeInfo
  private consumed = false
  private readonly reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  private readonly hash = createHash('sha256')
  private readonly decoder = new TextDecoder()
  private buffered = ''
  private receiptJson: ReceiptJson | undefined
  /** Chunks parsed and not yet yielded. */
  private pending: ChatChunk[] = []
  /** Chunks parsed so far. */
  private chunks = 0
  private ended: boolean

  constructor(
    response: Response,
    private readonly expect: HacaChatStreamOptions,
  ) {
    this.node = expect.node
    this.reader = response.body?.getReader()
    this.ended = this.reader === undefined
  }

  /**
   * Reads until the first chunk has arrived (or the stream has ended). On a stall or an error
   * event the request is aborted and the error thrown, so the caller may try another node.
   */
  async start(): Promise<void> {
    try {
      while (this.pending.length === 0 && !this.ended) await this.pull()
    } catch (err) {
      if (!this.ended) this.release(err instanceof Error ? err : new Error(String(err)))
      throw err
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ChatChunk> {
    if (this.consumed) throw new StreamConsumedError()
    this.consumed = true
    const { node } = this.expect
    try {
      for (;;) {
        for (const chunk of this.pending.splice(0)) yield chunk
        if (this.ended) break
        await this.pull()
      }
    } finally {
      // The caller broke out of its loop, or reading failed: an unfinished answer holds its socket.
      if (!this.ended) this.release(new Error('the stream was not read to the end'))
    }
    if (!this.receiptJson) throw new ReceiptVerificationError({ node: node.url, address: node.address, check: 'missing', reason: 'the stream ended without a receipt event' })
    let receipt: Receipt
    try {
      receipt = receiptFromJson(this.receiptJson)
    } catch (err) {
      throw new ReceiptVerificationError({ node: node.url, address: node.address, check: 'format', reason: err instanceof Error ? err.message : String(err) })
    }
    const responseHash = `0x${this.hash.digest('hex')}` as Hex
    const { checkSigner, idleTimeoutMs: _idle, abort: _abort, ...expect } = this.expect
    const verified = verifyAnswer({ ...expect, receipt, responseHash })
    await checkSigner?.(verified, node)
    this.receipt = verified
  }

  /** Reads the next bytes (within the idle timeout) and parses the events they complete. */
  private async pull(): Promise<void> {
    const { done, value } = await this.read()
    if (done) {
      this.ended = true
      return
    }
    this.buffered += this.decoder.decode(value, { stream: true })
    for (;;) {
      const end = this.buffered.indexOf('\n\n')
      if (end < 0) break
      const event = this.buffered.slice(0, end + 2)
      this.buffered = this.buffered.slice(end + 2)
      if (event.startsWith(RECEIPT_EVENT_PREFIX)) {
        this.receiptJson = JSON.parse(event.slice(RECEIPT_EVENT_PREFIX.length).replace(/^data: /, '')) as ReceiptJson
        continue
      }
      this.hash.update(event)
      if (!event.startsWith('data: ')) continue
      const data = event.slice(6, -2)
      if (data === '[DONE]') continue
      const parsed = JSON.parse(data) as ChatChunk & { error?: { message?: string } }
      if (parsed.error) throw new NodeRequestError({ node: this.node.url, status: 502, message: parsed.error.message ?? 'stream failed' })
      this.chunks++
      this.pending.push(parsed)
    }
  }

  private async read(): ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']> {
    const { idleTimeoutMs } = this.expect
    let timer: NodeJS.Timeout | undefined
    let stall: NodeStreamStalledError | undefined
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        stall = new NodeStreamStalledError({ node: this.node.url, idleMs: idleTimeoutMs, chunks: this.chunks })
        reject(stall)
        this.release(stall)
      }, idleTimeoutMs)
    })
    try {
      const result = await Promise.race([this.reader!.read(), stalled])
      // Cancelling the body ends a pending read as `done`: that is the stall, not the end.
      if (stall) throw stall
      return result
    } finally {
      clearTimeout(timer)
    }
  }

  /** Gives up on the rest of the answer: aborts the request and cancels the body, freeing the socket. */
  private release(reason: Error): void {
    this.ended = true
    this.expect.abort?.(reason)
    this.reader?.cancel(reason).catch(() => {})
  }
}
