import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import { httpFetch } from './httpFetch.ts'

const server = createServer((req, res) => {
  let body = ''
  req.on('data', (c) => { body += c })
  req.on('end', () => {
    if (req.url === '/gzip') return res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(JSON.stringify({ ok: true })))
    if (req.url === '/sse') {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: 1\n\n')
      setTimeout(() => res.end('data: 2\n\n'), 20)
      return
    }
    if (req.url === '/hang') return
    res.writeHead(201, { 'content-type': 'application/json', 'x-echo': String(req.headers['x-test']) }).end(JSON.stringify({ method: req.method, body }))
  })
})
let base: string

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(() => {
  server.closeAllConnections()
  server.close()
})

test('sends method, headers and body; returns status, headers and body like fetch', async () => {
  const res = await httpFetch(`${base}/echo`, { method: 'POST', headers: { 'x-test': 'yes' }, body: 'hello' })
  assert.equal(res.status, 201)
  assert.equal(res.headers.get('x-echo'), 'yes')
  assert.deepEqual(await res.json(), { method: 'POST', body: 'hello' })
})

test('decodes compressed bodies and streams event streams as they arrive', async () => {
  assert.deepEqual(await (await httpFetch(`${base}/gzip`)).json(), { ok: true })
  const res = await httpFetch(`${base}/sse`)
  const reader = res.body!.getReader()
  const first = new TextDecoder().decode((await reader.read()).value)
  assert.equal(first, 'data: 1\n\n', 'the first event arrives before the stream ends')
  let rest = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    rest += new TextDecoder().decode(value)
  }
  assert.equal(rest, 'data: 2\n\n')
})

test('an abort signal ends a request that gets no answer', async () => {
  const controller = new AbortController()
  setTimeout(() => controller.abort(new Error('gave up')), 50)
  await assert.rejects(httpFetch(`${base}/hang`, { signal: controller.signal }), /gave up/)
})
