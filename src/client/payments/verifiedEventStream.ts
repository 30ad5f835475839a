/**
 * A node's SSE answer as a stock client may read it: the events pass through as they arrive,
 * hashed as the node hashed them, while the `haca.receipt` event (which stock clients would
 * try to parse as a chunk) is taken out. `data: [DONE]` and anything after it are held back
 * until the stream has ended and its receipt verified: then they are released and the stream
 * closes, or, if the receipt is missing or wrong, the stream ends with that error where the
 * client is waiting for `[DONE]`, so the error reaches whoever reads the answer.
 */
import { createHash } from 'node:crypto'
import type { Hex } from '../../core/bytes.ts'
import { RECEIPT_EVENT } from '../../protocol/http.ts'

const RECEIPT_EVENT_PREFIX = `event: ${RECEIPT_EVENT}\n`
const DONE_EVENT = 'data: [DONE]\n\n'

/**
 * Wraps `body`. `verify` gets the receipt event's data (undefined when there was none) and the
 * hash of every byte before it; it throws to fail the stream.
 */
export function verifiedEventStream(body: ReadableStream<Uint8Array>, verify: (receiptData: string | undefined, responseHash: Hex) => Promise<void>): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  const hash = createHash('sha256')
  const decoder = new TextDecoder()
  const encoder = new TextEncoder()
  let buffered = ''
  let held = ''
  let receiptData: string | undefined
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) {
          // An unterminated last event is passed on, as the node sent it, but is no SSE event: not hashed.
          held += buffered + decoder.decode()
          try {
            await verify(receiptData, `0x${hash.digest('hex')}`)
          } catch (err) {
            controller.error(err)
            return
          }
          if (held) controller.enqueue(encoder.encode(held))
          controller.close()
          return
        }
        buffered += decoder.decode(value, { stream: true })
        let out = ''
        for (;;) {
          const end = buffered.indexOf('\n\n')
          if (end < 0) break
          const event = buffered.slice(0, end + 2)
          buffered = buffered.slice(end + 2)
          if (event.startsWith(RECEIPT_EVENT_PREFIX)) {
            receiptData = event.slice(RECEIPT_EVENT_PREFIX.length, -2).replace(/^data: /, '')
            continue
          }
          hash.update(event)
          if (held || event === DONE_EVENT) held += event
          else out += event
        }
        if (out) {
          controller.enqueue(encoder.encode(out))
          return
        }
      }
    },
    cancel(reason) {
      return reader.cancel(reason)
    },
  })
}
