import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { verifiedEventStream } from './verifiedEventStream.ts'

const CHUNKS = ['data: {"n":1}\n\n', 'data: {"n":2}\n\n', 'data: [DONE]\n\n']
const RECEIPT = 'event: haca.receipt\ndata: {"id":"r"}\n\n'

/** A body delivering `text` in pieces of `size` bytes (events cut anywhere). */
function body(text: string, size: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text)
  let at = 0
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close()
      c.enqueue(bytes.slice(at, (at += size)))
    },
  })
}

async function readAll(stream: ReadableStream<Uint8Array>, seen: string[] = []): Promise<string> {
  const reader = stream.getReader()
  const decoder = new TextDecoder()
  let out = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return out
    const piece = decoder.decode(value, { stream: true })
    seen.push(piece)
    out += piece
  }
}

test('events pass through, the receipt event is taken out, [DONE] waits for the verdict; the hash covers what the node hashed', async () => {
  for (const size of [1, 7, 1000]) {
    let verdict: { data?: string; hash: string } | undefined
    const seenBeforeVerdict: string[] = []
    const seen: string[] = []
    const stream = verifiedEventStream(body(CHUNKS.join('') + RECEIPT, size), async (data, hash) => {
      seenBeforeVerdict.push(...seen)
      verdict = { data, hash }
    })
    const out = await readAll(stream, seen)
    assert.equal(out, CHUNKS.join(''))
    assert.equal(verdict?.data, '{"id":"r"}')
    assert.equal(verdict?.hash, `0x${createHash('sha256').update(CHUNKS.join('')).digest('hex')}`)
    assert.doesNotMatch(seenBeforeVerdict.join(''), /\[DONE\]/, `size ${size}: [DONE] left before the receipt was checked`)
  }
})

test('a verdict that throws ends the stream with that error, before [DONE]', async () => {
  const seen: string[] = []
  const stream = verifiedEventStream(body(CHUNKS.join(''), 5), async (data) => {
    assert.equal(data, undefined)
    throw new Error('no receipt')
  })
  await assert.rejects(readAll(stream, seen), /no receipt/)
  assert.equal(seen.join(''), CHUNKS.slice(0, 2).join(''))
})
