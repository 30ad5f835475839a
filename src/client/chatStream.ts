/**
 * Reads a node's chat stream: yields each chunk as it arrives, hashes every byte before the
 * receipt event, and verifies the receipt when the stream ends. If the receipt is missing or
 * does not match, iteration ends with a ReceiptVerificationError naming the node.
 */
import { createHash } from 'node:crypto'
import type { Hex } from '../core/bytes.ts'
import { type Receipt, type ReceiptJson, receiptFromJson } from '../inference/receipt.ts'
import type { ChatChunk } from '../inference/providers/chatProvider.ts'
import { NodeRequestError, ReceiptVerificationError, StreamConsumedError } from './errors.ts'
import type { NodeInfo } from './nodeDirectory.ts'
import { type VerifyAnswerParameters, verifyAnswer } from './verifyAnswer.ts'

const RECEIPT_EVENT_PREFIX = 'event: haca.receipt\n'

/** An OpenAI-style chunk stream whose receipt is known (and verified) once it has been read to the end. */
export class HacaChatStream implements AsyncIterable<ChatChunk> {
  /** The verified receipt; set when iteration completes. */
  receipt: Receipt | undefined
  readonly node: NodeInfo
  private consumed = false

  constructor(
    private readonly response: Response,
    private readonly expect: Omit<VerifyAnswerParameters, 'receipt' | 'responseHash'> & { checkSigner?: (receipt: Receipt, node: NodeInfo) => Promise<void> },
  ) {
    this.node = expect.node
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ChatChunk> {
    if (this.consumed) throw new StreamConsumedError()
    this.consumed = true
    const { node } = this.expect
    const hash = createHash('sha256')
    const decoder = new TextDecoder()
    let buffered = ''
    let receiptJson: ReceiptJson | undefined
    // Breaking out of the caller's loop returns this generator, which cancels the body.
    for await (const bytes of this.response.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(bytes, { stream: true })
      for (;;) {
        const end = buffered.indexOf('\n\n')
        if (end < 0) break
        const event = buffered.slice(0, end + 2)
        buffered = buffered.slice(end + 2)
        if (event.startsWith(RECEIPT_EVENT_PREFIX)) {
          receiptJson = JSON.parse(event.slice(RECEIPT_EVENT_PREFIX.length).replace(/^data: /, '')) as ReceiptJson
          continue
        }
        hash.update(event)
        if (!event.startsWith('data: ')) continue
        const data = event.slice(6, -2)
        if (data === '[DONE]') continue
        const parsed = JSON.parse(data) as ChatChunk & { error?: { message?: string } }
        if (parsed.error) throw new NodeRequestError({ node: node.url, status: 502, message: parsed.error.message ?? 'stream failed' })
        yield parsed
      }
    }
    if (!receiptJson) throw new ReceiptVerificationError({ node: node.url, address: node.address, check: 'missing', reason: 'the stream ended without a receipt event' })
    let receipt: Receipt
    try {
      receipt = receiptFromJson(receiptJson)
    } catch (err) {
      throw new ReceiptVerificationError({ node: node.url, address: node.address, check: 'format', reason: err instanceof Error ? err.message : String(err) })
    }
    const responseHash = `0x${hash.digest('hex')}` as Hex
    const { checkSigner, ...expect } = this.expect
    const verified = verifyAnswer({ ...expect, receipt, responseHash })
    await checkSigner?.(verified, node)
    this.receipt = verified
  }
}
