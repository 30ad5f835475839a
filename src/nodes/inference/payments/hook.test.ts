import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { LLMock } from '@copilotkit/aimock'
import { type Hex, toHex } from '../../../core/bytes.ts'
import { addressOf, generatePrivateKey } from '../../../core/keys.ts'
import { signVoucher, voucherToHex } from '../../../protocol/voucher.ts'
import type { ChannelView } from '../../../ledger/payments/queries.ts'
import { tempHome } from '../../../../test/helpers/ledger.ts'
import { hashRequest } from '../../../protocol/canonicalJson.ts'
import { type InferenceNode, createInferenceNode } from '../node.ts'
import { OpenAIProvider } from '../providers/openaiProvider.ts'
import { ChannelCache } from './channelCache.ts'
import { PaymentGate } from './gate.ts'
import { paymentsHook } from './hook.ts'
import { VoucherLog } from './voucherLog.ts'

const CHAIN = 'hook-test'
const clientKey = generatePrivateKey()
const nodeKey = generatePrivateKey()
const channelId: Hex = toHex(new Uint8Array(32).fill(5))
const view: ChannelView = { id: channelId, client: addressOf(clientKey), node: addressOf(nodeKey), deposit: '1000', spent: '0', remaining: '1000', nonce: '0', openedHeight: 1, closesAtMs: '0', status: 'open' }

let home: Awaited<ReturnType<typeof tempHome>>
let mock: LLMock
let node: InferenceNode
let log: VoucherLog

before(async () => {
  home = await tempHome('payhook')
  mock = new LLMock({ port: 0, host: '127.0.0.1' })
  mock.onMessage('hi', { content: 'hello' })
  await mock.start()
  log = await VoucherLog.open(join(home.dir, 'vouchers.log'))
  const gate = new PaymentGate({ chainId: CHAIN, node: addressOf(nodeKey), channels: new ChannelCache(async (id) => (id === channelId ? view : undefined)), log })
  node = await createInferenceNode({
    privateKey: nodeKey,
    receiptDir: join(home.dir, 'receipts'),
    providers: [
      { provider: new OpenAIProvider({ name: 'oa', baseURL: `${mock.url}/v1`, apiKey: 'x' }), models: ['paid'], price: 10n },
      { provider: new OpenAIProvider({ name: 'oa', baseURL: `${mock.url}/v1`, apiKey: 'x' }), models: ['free'], price: 0n },
    ],
    payments: paymentsHook(gate),
    logger: false,
  })
})

after(async () => {
  await node.close()
  await mock.stop()
  await home.cleanup()
})

const body = (model: string, content = 'hi') => ({ model, messages: [{ role: 'user', content }] })
const send = (payload: object, voucher?: string) =>
  node.app.inject({ method: 'POST', url: '/v1/chat/completions', payload, headers: voucher ? { 'x-haca-voucher': voucher } : {} })

test('402 body: OpenAI error shape with the payment terms (inject); free models, unknown models and GET routes are not gated', async () => {
  const res = await send(body('paid'))
  assert.equal(res.statusCode, 402)
  assert.match(res.headers['content-type'] as string, /application\/json/)
  const b = res.json()
  // OpenAI's error shape (what stock clients read), the payment terms beside it.
  assert.deepEqual(Object.keys(b).sort(), ['error', 'payment'])
  assert.deepEqual(b.error, { message: 'this request costs 10; send a voucher in the x-haca-voucher header', type: 'payment_required', code: 'payment_required', param: null })
  assert.deepEqual(Object.keys(b.payment).sort(), ['chainId', 'channel', 'header', 'model', 'openChannel', 'payTo', 'price', 'requestHash', 'resource', 'scheme', 'voucherFormat'])
  assert.equal(b.payment.channel, null)
  assert.equal(b.payment.model, 'paid')
  assert.equal(b.payment.price, '10')
  assert.equal((await send(body('free'))).statusCode, 200)
  assert.equal((await send(body('nope'))).statusCode, 404)
  assert.equal((await node.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
})

test('a voucher log that cannot write withholds the answer', async () => {
  const p = body('paid', 'hi again')
  const ok = await send(p, voucherToHex(signVoucher({ chainId: CHAIN, channelId, cumulative: 10n, requestHash: hashRequest(p) }, clientKey)))
  assert.equal(ok.statusCode, 200)
  await log.close()
  const res = await send(p, voucherToHex(signVoucher({ chainId: CHAIN, channelId, cumulative: 20n, requestHash: hashRequest(p) }, clientKey)))
  assert.equal(res.statusCode, 500)
  assert.doesNotMatch(res.body, /hello/)
})
