/**
 * The paying fetch against a small node on loopback (real HTTP) that signs receipts with its
 * key and can be told to lie: its answers are free or its 402s are refused before any ledger is
 * needed, so no ledger runs here (test/paying-fetch.test.ts pays a real devnet node).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { type Server, createServer } from 'node:http'
import OpenAI from 'openai'
import { toHex } from '../../core/bytes.ts'
import { addressOf, generatePrivateKey } from '../../core/keys.ts'
import { hashRequest } from '../../protocol/canonicalJson.ts'
import { RECEIPT_VERSION, receiptToJson, signAndEncodeReceipt } from '../../protocol/receipt.ts'
import { ReceiptVerificationError } from '../errors.ts'
import { type PaidAnswer, createPayingFetch } from './createPayingFetch.ts'
import { DistrustedNodeError } from './errors.ts'

const nodeKey = generatePrivateKey()
const node = addressOf(nodeKey)
const clientKey = generatePrivateKey()
const key = { address: addressOf(clientKey), privateKey: clientKey }
// Never reached: pinned nodes with free answers need no ledger.
const ledger = 'http://127.0.0.1:9'

let server: Server
let url: string
let requests: Array<{ content: string; voucher?: string }> = []

function receiptFor(requestHash: string, bytes: string | Buffer, signer = nodeKey) {
  const responseHash = toHex(createHash('sha256').update(bytes).digest())
  return signAndEncodeReceipt({ version: RECEIPT_VERSION, id: toHex(createHash('sha256').update(requestHash).digest()), node: addressOf(signer), model: 'm', mode: 'vanilla', requestHash: requestHash as `0x${string}`, responseHash, price: 0n, timestamp: Date.now() }, signer)
}

/** What the node does is named by the user message: plain, tamper-body, no-receipt, foreign-signer, stream, stream-tamper, stream-no-receipt, 402-* */
before(async () => {
  server = createServer(async (req, res) => {
    let text = ''
    for await (const chunk of req) text += chunk
    const body = JSON.parse(text)
    if (!req.url?.endsWith('/chat/completions')) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"no such route","type":"invalid_request_error","code":"not_found","param":null}}')
    const content: string = body.messages[0].content
    requests.push({ content, voucher: req.headers['x-haca-voucher'] as string | undefined })
    const requestHash = hashRequest(body)
    if (content.startsWith('402-')) {
      const terms = { scheme: 'haca-channel', chainId: 'c', payTo: content === '402-payee' ? addressOf(generatePrivateKey()) : node, price: content === '402-price' ? '1000' : '1', model: 'm', resource: '/v1/chat/completions', header: 'x-haca-voucher', requestHash: content === '402-hash' ? hashRequest({ other: 1 }) : requestHash, voucherFormat: '', channel: null, openChannel: { messageType: 30, node } }
      res.writeHead(402, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'pay', type: 'payment_required', code: 'payment_required', param: null }, payment: terms }))
      return
    }
    if (content.startsWith('stream')) {
      const chunk = (delta: object, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
      const events = chunk({ role: 'assistant', content: 'po' }) + chunk({ content: 'ng' }) + chunk({}, 'stop') + 'data: [DONE]\n\n'
      const { receipt } = receiptFor(requestHash, content === 'stream-tamper' ? events.replace('po', 'PO') : events)
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write(events)
      res.end(content === 'stream-no-receipt' ? '' : `event: haca.receipt\ndata: ${JSON.stringify(receiptToJson(receipt))}\n\n`)
      return
    }
    const answer = JSON.stringify({ id: 'c1', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'pong' }, finish_reason: 'stop' }] })
    const { wire } = receiptFor(requestHash, content === 'tamper-body' ? answer.replace('pong', 'PONG') : answer, content === 'foreign-signer' ? generatePrivateKey() : nodeKey)
    res.writeHead(200, { 'content-type': 'application/json', ...(content === 'no-receipt' ? {} : { 'x-haca-receipt': toHex(wire) }) }).end(answer)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const a = server.address()
  url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`
})

after(() => new Promise<void>((r) => server.close(() => r())))

const ask = (content: string, extra: object = {}) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content }], ...extra }) })
const payingFetch = (seen: PaidAnswer[] = [], extra: object = {}) => createPayingFetch({ key, ledger, budget: 10n, nodes: [{ url, address: node }], onReceipt: (a) => seen.push(a), ...extra })

test('a verified plain answer reaches the caller unchanged; its receipt is reported and kept with the Response', async () => {
  const seen: PaidAnswer[] = []
  const fetch = payingFetch(seen)
  const res = await fetch(`${url}/v1/chat/completions`, ask('plain'))
  assert.equal(res.status, 200)
  assert.equal(((await res.json()) as any).choices[0].message.content, 'pong')
  assert.equal(seen.length, 1)
  assert.equal(seen[0].node, node)
  assert.equal(seen[0].stream, false)
  assert.equal(seen[0].payment, undefined)
  assert.equal((await fetch.receiptOf(res))?.receipt.id, seen[0].receipt.id)
  // A client that exposes the Response (openai's .withResponse()) finds the receipt by it.
  const { data, response } = await new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', fetch }).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'plain' }] }).withResponse()
  assert.equal(data.choices[0].message.content, 'pong')
  assert.equal((await fetch.receiptOf(response))?.receipt.id, seen[1].receipt.id)
  // Routes without receipts pass through untouched.
  assert.equal(fetch.receiptOf(await fetch(`${url}/v1/models`, { method: 'POST', body: '{}' })), undefined)
})

test('a tampered answer, a missing receipt and a foreign signer throw ReceiptVerificationError; the node is paid nothing more', async () => {
  for (const [content, check] of [['tamper-body', 'responseHash'], ['no-receipt', 'missing'], ['foreign-signer', 'node']] as const) {
    const seen: PaidAnswer[] = []
    const fetch = payingFetch(seen)
    await assert.rejects(fetch(`${url}/v1/chat/completions`, ask(content)), (err: unknown) => err instanceof ReceiptVerificationError && err.check === check && err.message.includes(node))
    assert.equal(seen.length, 0)
    requests = []
    await assert.rejects(fetch(`${url}/v1/chat/completions`, ask('plain')), DistrustedNodeError)
    assert.equal(requests.length, 0, 'a distrusted node is not asked again')
  }
})

test('streams: chunks pass through and the receipt is checked at the end; a tampered or missing receipt ends the stream with the error', async () => {
  const seen: PaidAnswer[] = []
  const fetch = payingFetch(seen)
  const res = await fetch(`${url}/v1/chat/completions`, ask('stream', { stream: true }))
  const text = await res.text()
  assert.match(text, /"content":"po"/)
  assert.match(text, /data: \[DONE\]\n\n$/)
  assert.doesNotMatch(text, /haca\.receipt/)
  assert.equal(seen.length, 1)
  assert.equal(seen[0].stream, true)
  assert.equal((await fetch.receiptOf(res))?.node, node)
  for (const [content, check] of [['stream-tamper', 'responseHash'], ['stream-no-receipt', 'missing']] as const) {
    const f = payingFetch()
    const r = await f(`${url}/v1/chat/completions`, ask(content, { stream: true }))
    await assert.rejects(r.text(), (err: unknown) => err instanceof ReceiptVerificationError && err.check === check)
    await assert.rejects(f.receiptOf(r)!, ReceiptVerificationError)
  }
})

test('through the openai client: a bad receipt is an error (plain: after the distrusted retries, none paid; stream: the error itself)', async () => {
  const fetch = payingFetch()
  const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', fetch, maxRetries: 2 })
  requests = []
  await assert.rejects(openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'tamper-body' }] }), (err: unknown) => (err as Error).cause instanceof DistrustedNodeError || (err as Error).cause instanceof ReceiptVerificationError)
  assert.equal(requests.length, 1, 'the client retried, the paying fetch did not send again')
  const streaming = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', fetch: payingFetch() })
  const stream = await streaming.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'stream-tamper' }], stream: true })
  const got: string[] = []
  await assert.rejects((async () => {
    for await (const chunk of stream) got.push(chunk.choices[0]?.delta?.content ?? '')
  })(), ReceiptVerificationError)
  assert.equal(got.join(''), 'pong')
})

test('402s the fetch will not pay come back as 402s in OpenAI error shape with the reason, not retried, nothing sent again', async () => {
  for (const [content, code] of [['402-payee', 'pay_to_mismatch'], ['402-hash', 'request_hash_mismatch'], ['402-price', 'price_above_limit']] as const) {
    requests = []
    const res = await payingFetch([], { maxPrice: 10n })(`${url}/v1/chat/completions`, ask(content))
    assert.equal(res.status, 402)
    assert.equal(res.headers.get('x-should-retry'), 'false')
    const body = (await res.json()) as any
    assert.equal(body.error.code, code)
    assert.equal(body.error.type, 'payment_required')
    assert.match(body.error.message, /^not paying node http:\/\/127\.0\.0\.1/)
    assert.equal(body.payment.scheme, 'haca-channel')
    assert.equal(requests.length, 1)
  }
  const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', fetch: payingFetch([], { maxPrice: 10n }) })
  await assert.rejects(openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: '402-price' }] }), { status: 402, code: 'price_above_limit', type: 'payment_required' })
})

test('an unpinned node whose key no ledger can vouch for: its answer is not passed on; a zero budget is refused at once', async () => {
  const fetch = createPayingFetch({ key, ledger, budget: 1n })
  await assert.rejects(fetch(`${url}/v1/chat/completions`, ask('plain')), { name: 'NetworkError', message: /ledger node at http:\/\/127\.0\.0\.1:9\/: connection refused/ })
  assert.throws(() => createPayingFetch({ key, ledger, budget: 0n }), { code: 'invalid_budget' })
})
