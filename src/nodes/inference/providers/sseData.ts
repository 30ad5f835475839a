/**
 * Server-sent events as they arrive: yields the `data` of each event (its `data:` lines
 * joined by newlines), the way the OpenAI streaming API frames chunks. Comments, `event:`,
 * `id:` and `retry:` fields carry nothing a chat stream needs and are skipped.
 */
import { StringDecoder } from 'node:string_decoder'

export async function* sseData(body: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  // A UTF-8 character can be split across two reads; the decoder holds the partial bytes.
  const decoder = new StringDecoder('utf8')
  let buffered = ''
  let data: string[] = []
  for await (const part of body) {
    buffered += typeof part === 'string' ? part : decoder.write(part)
    let start = 0
    for (;;) {
      const nl = buffered.indexOf('\n', start)
      if (nl < 0) break
      const line = buffered.charCodeAt(nl - 1) === 13 ? buffered.slice(start, nl - 1) : buffered.slice(start, nl)
      start = nl + 1
      if (line === '') {
        // A blank line ends an event; one without data lines is nothing.
        if (data.length) yield data.join('\n')
        data = []
      } else if (line.startsWith('data:')) {
        data.push(line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5))
      }
    }
    buffered = buffered.slice(start)
  }
  // A stream may end without the blank line after its last event.
  if (buffered.startsWith('data:')) data.push(buffered.charCodeAt(5) === 32 ? buffered.slice(6) : buffered.slice(5))
  if (data.length) yield data.join('\n')
}
