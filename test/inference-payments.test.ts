/**
 * Payments on the fast path, end to end over loopback HTTP: an embedded ledger (engine + its
 * CometBFT-compatible RPC), a client that opens a channel by transaction, and an inference node
 * with `payments.required` that checks vouchers against the channel it reads over RPC, answers
 * 402 in OpenAI's error shape with the payment terms beside it, refuses replays (also after a restart), too-small and
 * over-spending vouchers, other signers and other nodes' channels.
 */
import { after, before, test } from 'node:test'
import { startChatStandIn } from './helpers/inferenceNode.ts'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { LLMock } from '@copilotkit/aimock'
import type { FastifyInstance } from 'fastify'
import { type Address, addressOf, generatePrivateKey } from '../src/core/keys.ts'
import type { Hex } from '../src/core/bytes.ts'
import { LedgerApp } from '../src/ledger/app.ts'
import { MemoryKv } from '../src/ledger/state/kv.ts'
import { BlockStore } from '../src/consensus/embedded/block-store.ts'
import { EmbeddedEngine } from '../src/consensus/embedded/engine.ts'
import { buildRpcServer } from '../src/consensus/embedded/rpc-server.ts'
import { LedgerRpc } from '../src/client/ledger/ledgerRpc.ts'
import { channelIdOf } from '../src/protocol/channelId.ts'
import { buildOpenChannelTx, buildTopUpTx } from '../src/ledger/payments/tx.ts'
import { signVoucher, voucherToHex } from '../src/protocol/voucher.ts'
import { createInferenceNode, type InferenceNode } from '../src/nodes/inference/node.ts'
import { OpenAIProvider } from '../src/nodes/inference/providers/openaiProvider.ts'
import { hashRequest } from '../src/protocol/canonicalJson.ts'
import { receiptFromHex, verifyReceipt } from '../src/protocol/receipt.ts'
import { paymentsHookFromConfig } from '../src/nodes/inference/payments/hook.ts'
import { tempHome } from './helpers/ledger.ts'

const CHAIN = 'payments-node-test'
const PRICE = 100n
const clientKey = generatePrivateKey()
const nodeKey = generatePrivateKey()
const client = addressOf(clientKey)
const nodeAddress = addressOf(nodeKey)

let home: { dir: string; cleanup(): Promise<void> }
let engine: EmbeddedEngine
let blocks: BlockStore
let rpcServer: FastifyInstance
let rpcUrl: string
let ledger: LedgerRpc
let mock: LLMock
let node: InferenceNode
let url: string
let channelId: Hex
let otherNodeChannel: Hex
let nonce = 0n

async function startNode(): Promise<void> {
  node = await createInferenceNode({
    privateKey: nodeKey,
    receiptDir: join(home.dir, 'receipts'),
    providers: [{ provider: new OpenAIProvider({ name: 'oa', baseURL: `${mock.url}/v1`, apiKey: 'x' }), models: ['gpt-test'], price: PRICE }],
    payments: await paymentsHookFromConfig({ required: true, voucherLog: join(home.dir, 'vouchers.log') }, { rpcUrl, node: nodeAddress }),
  })
  url = await node.listen({ host: '127.0.0.1', port: 0 })
}

async function openChannel(to: Address, amount: bigint): Promise<Hex> {
  const hash = await ledger.broadcast(buildOpenChannelTx({ chainId: CHAIN, nonce, fee: 10n, node: to, amount }, clientKey).bytes)
  const res = await ledger.waitForTx(hash, 10_000)
  assert.equal(res.code, 0, res.log)
  return channelIdOf(client, to, nonce++)
}

const chat = (content: string) => ({ model: 'gpt-test', messages: [{ role: 'user', content }] })

async function post(body: unknown, voucher?: string) {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(voucher ? { 'x-haca-voucher': voucher } : {}) },
    body: JSON.stringify(body),
  })
  return { status: res.status, headers: res.headers, body: (await res.json()) as any }
}

const pay = (body: unknown, cumulative: bigint, over: { key?: Uint8Array; channel?: Hex } = {}) =>
  voucherToHex(signVoucher({ chainId: CHAIN, channelId: over.channel ?? channelId, cumulative, requestHash: hashRequest(body) }, over.key ?? clientKey))

before(async () => {
  home = await tempHome('payments')
  blocks = await BlockStore.open(join(home.dir, 'blocks'))
  const genesis = { chainId: CHAIN, appState: { accounts: [{ address: client, balance: '1000000' }], payments: { feeBps: '250' } }, genesisTime: '2026-01-01T00:00:00Z' }
  engine = new EmbeddedEngine({ app: await LedgerApp.open(new MemoryKv()), blocks, genesis, blockTimeMs: 20, emptyBlockMs: 100 })
  await engine.start()
  rpcServer = buildRpcServer(engine, { chain_id: CHAIN, genesis_time: genesis.genesisTime, app_state: genesis.appState })
  rpcUrl = await rpcServer.listen({ host: '127.0.0.1', port: 0 })
  ledger = await LedgerRpc.connect(rpcUrl)
  mock = await startChatStandIn()
  channelId = await openChannel(nodeAddress, 1_000n)
  otherNodeChannel = await openChannel(addressOf(generatePrivateKey()), 1_000n)
  await startNode()
})

after(async () => {
  await node?.close()
  await mock?.stop()
  ledger?.disconnect()
  await rpcServer?.close()
  await engine?.stop()
  await blocks?.close()
  await home?.cleanup()
})

test('no voucher: 402 in OpenAI error shape with the terms (price, node, chain, model, channel)', async () => {
  const body = chat('hello 0')
  const res = await post(body)
  assert.equal(res.status, 402)
  assert.equal(res.body.error.type, 'payment_required')
  assert.equal(res.body.error.code, 'payment_required')
  assert.match(res.body.error.message, /costs 100/)
  const terms = res.body.payment
  assert.equal(terms.scheme, 'haca-channel')
  assert.equal(terms.chainId, CHAIN)
  assert.equal(terms.price, '100')
  assert.equal(terms.model, 'gpt-test')
  assert.equal(terms.payTo, nodeAddress)
  assert.equal(terms.resource, '/v1/chat/completions')
  assert.equal(terms.header, 'x-haca-voucher')
  assert.equal(terms.requestHash, hashRequest(body))
  assert.deepEqual(terms.openChannel, { messageType: 30, node: nodeAddress })
})

test('a voucher covering the price is accepted over real HTTP; the answer carries a receipt', async () => {
  const body = chat('hello 1')
  const res = await post(body, pay(body, 100n))
  assert.equal(res.status, 200, JSON.stringify(res.body))
  assert.equal(res.body.choices[0].message.content, 'Hi there, friend!')
  assert.equal(res.headers.get('x-haca-paid'), '100')
  const receipt = receiptFromHex(res.headers.get('x-haca-receipt') ?? '')
  assert.deepEqual(verifyReceipt(receipt, { node: nodeAddress, requestHash: hashRequest(body) }), { ok: true, signer: nodeAddress })
  assert.equal(receipt.price, PRICE)
  assert.equal(receipt.requestHash, hashRequest(body))
})

test('replayed, too small, over-spending, foreign-signed, other-request and other-node vouchers get 402 with the reason', async () => {
  const body = chat('hello 2')
  assert.equal((await post(body, pay(body, 200n))).status, 200)
  const replay = await post(body, pay(body, 200n))
  assert.equal(replay.status, 402)
  assert.equal(replay.body.error.code, 'voucher_replay')
  assert.equal(replay.body.payment.channel.lastAccepted, '200')
  assert.equal(replay.body.payment.channel.minCumulative, '300')
  const small = chat('hello 3')
  assert.equal((await post(small, pay(small, 299n))).body.error.code, 'voucher_replay')
  assert.equal((await post(small, pay(small, 1_001n))).body.error.code, 'voucher_overspend')
  const foreign = await post(small, pay(small, 300n, { key: generatePrivateKey() }))
  assert.equal(foreign.body.error.code, 'invalid_voucher')
  assert.match(foreign.body.error.message, /not by the channel's client/)
  const otherRequest = await post(small, pay(chat('something else'), 300n))
  assert.match(otherRequest.body.error.message, /pays for request/)
  const otherNode = await post(small, pay(small, 300n, { channel: otherNodeChannel }))
  assert.equal(otherNode.body.error.code, 'not_channel_node')
  const unknown = await post(small, pay(small, 300n, { channel: `0x${'ab'.repeat(32)}` }))
  assert.equal(unknown.body.error.code, 'channel_not_found')
  assert.equal((await post(small, '0xdeadbeef')).body.error.code, 'invalid_voucher')
  // None of the refusals moved the channel on: 300 is still the next acceptable amount.
  assert.equal((await post(small, pay(small, 300n))).status, 200)
})

test('after a restart the node still refuses a voucher it accepted before', async () => {
  const body = chat('hello 4')
  assert.equal((await post(body, pay(body, 400n))).status, 200)
  await node.close()
  await startNode()
  const again = await post(body, pay(body, 400n))
  assert.equal(again.status, 402)
  assert.equal(again.body.error.code, 'voucher_replay')
  assert.equal((await post(body, pay(body, 500n))).status, 200)
})

test('the same voucher sent twice at once is accepted once', async () => {
  const body = chat('hello 5')
  const v = pay(body, 600n)
  const statuses = (await Promise.all([post(body, v), post(body, v)])).map((r) => r.status).sort()
  assert.deepEqual(statuses, [200, 402])
})

test('a voucher above the deposit is refused until a top-up lands on the ledger', async () => {
  const body = chat('hello 6')
  assert.equal((await post(body, pay(body, 1_100n))).body.error.code, 'voucher_overspend')
  const hash = await ledger.broadcast(buildTopUpTx({ chainId: CHAIN, nonce: nonce++, fee: 10n, channelId, amount: 500n }, clientKey).bytes)
  assert.equal((await ledger.waitForTx(hash, 10_000)).code, 0)
  // The node re-reads a channel for a voucher above its cached deposit at most once a second.
  await new Promise((r) => setTimeout(r, 1_100))
  const res = await post(body, pay(body, 1_100n))
  assert.equal(res.status, 200, JSON.stringify(res.body))
})
