/**
 * Server-sent events for the OpenAI-compatible streams, hashing every byte written before the
 * receipt: the receipt's response hash covers all of it (chunks, tool-call deltas, `[DONE]`).
 * `[DONE]` is hashed first and sent only with the receipt: OpenAI clients stop reading at
 * `[DONE]`, so it must not leave before the receipt is in the log (a node killed in between
 * would have delivered a whole answer without one).
 */
import { createHash, type Hash } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import type { Hex } from '../../../core/bytes.ts'

const DONE = 'data: [DONE]\n\n'

export class HashedEventStream {
  private readonly hash: Hash = createHash('sha256')
  private closed = false

  constructor(private readonly res: ServerResponse, headers: Record<string, string>) {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers })
    res.on('close', () => { this.closed = true })
  }

  /** True once the client has gone away. */
  get aborted(): boolean {
    return this.closed
  }

  /** Writes `data: <json>\n\n` and hashes it. */
  data(value: unknown): void {
    this.write(`data: ${JSON.stringify(value)}\n\n`)
  }

  /** The response hash: sha256 of everything written so far and the `[DONE]` that {@link endWith} sends. */
  digestWithDone(): Hex {
    this.hash.update(DONE)
    return `0x${this.hash.digest('hex')}`
  }

  private write(text: string): void {
    this.hash.update(text)
    if (!this.closed) this.res.write(text)
  }

  /** `[DONE]`, then a named event that is not hashed (the receipt), then the end of the response. */
  endWith(event: string, value: unknown): void {
    if (!this.closed) this.res.end(`${DONE}event: ${event}\ndata: ${JSON.stringify(value)}\n\n`)
  }

  /** An error event the `openai` client raises as APIError, then the end (no receipt: no answer). */
  fail(body: unknown): void {
    if (!this.closed) this.res.end(`data: ${JSON.stringify(body)}\n\n`)
  }
}
