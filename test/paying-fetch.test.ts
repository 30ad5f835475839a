/**
 * Stock clients paying a real devnet node (CometBFT, registry, payments required; the chat model
 * served through the provider stand-in) with the SDK's paying fetch: the three examples
 * (`openai`, the Vercel AI SDK, LangChain) run as child processes, and each must get its answers,
 * open a channel on the ledger, pay a voucher per request and print receipts signed by the
 * node. Then: a budget spent beyond its top-ups is a clear 402 through the openai client, a
 * node reached through a proxy that tampers with answers is paid but its answer refused, and a
 * URL the registry does not know is refused before anything is paid.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { type Server, createServer } from 'node:http'
import { join } from 'node:path'
import { promisify } from 'node:util'
import OpenAI from 'openai'
import { readKeyFile } from '../src/core/keyfile.ts'
import { LedgerRpc } from '../src/client/ledger/ledgerRpc.ts'
import { type PaidAnswer, createPayingFetch } from '../src/client/payments/createPayingFetch.ts'
import { DistrustedNodeError, UnknownNodeError } from '../src/client/payments/errors.ts'
import { ReceiptVerificationError } from '../src/client/errors.ts'
import { prepareDevnet, RunningDevnet } from '../src/network/devnet.ts'
import { STAND_IN_MODEL } from '../src/network/providerStandIn.ts'
import { tempHome } from './helpers/ledger.ts'

const run = promisify(execFile)
let home: Awaited<ReturnType<typeof tempHome>>
let net: RunningDevnet
let rpc: LedgerRpc
let ledgerUrl: string
let chatNode: { url: string; address: string }

type ChannelJson = { id: string; client: string; node: string; deposit: string; spent: string; status: string }

before(async () => {
  home = await tempHome('paying-fetch')
  net = new RunningDevnet(await prepareDevnet({ home: join(home.dir, 'net'), validators: 1, basePort: 22600, timeoutCommit: '300ms', storageShards: 10, registry: true, payments: true }))
  await net.start()
  ledgerUrl = net.layout.validators[0].rpc
  rpc = await LedgerRpc.connect(ledgerUrl)
  chatNode = net.layout.inference[1]
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const { nodes } = await rpc.queryJson<{ nodes: Array<{ endpoint: string; active: boolean }> }>('/registry/nodes/type=inference')
    if (nodes.some((n) => n.endpoint === chatNode.url && n.active)) break
    await new Promise((r) => setTimeout(r, 300))
  }
})

after(async () => {
  rpc?.disconnect()
  await net?.stop()
  await home?.cleanup()
})

const RECEIPT_LINE = /^verified receipt (0x[0-9a-f]{64}) for a (plain|streamed) answer, signed by (0x[0-9a-f]{40}), paid (\d+) on channel (0x[0-9a-f]{64}) \((\d+) in all\)$/

for (const [example, client] of [['pay-with-openai.ts', 'the openai client'], ['pay-with-ai-sdk.ts', 'the AI SDK'], ['pay-with-langchain.ts', 'LangChain']] as const) {
  test(`examples/${example}: ${client} pays the node (plain and streamed) and prints receipts signed by it`, async (t) => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', `examples/${example}`, '--node', chatNode.url, '--ledger', ledgerUrl, '--key', net.layout.demoKeyFile], { timeout: 120_000 })
    t.diagnostic(stdout)
    const lines = stdout.trim().split('\n')
    const answer = lines.find((l) => l.startsWith('answer: '))
    const streamed = lines.find((l) => l.startsWith('streamed: '))
    assert.match(answer ?? '', /^answer: \(provider stand-in\) you said: Hello from /, stdout)
    assert.match(streamed ?? '', /^streamed: \(provider stand-in\) you said: A streamed hello from /, stdout)
    const receipts = lines.flatMap((l) => {
      const m = RECEIPT_LINE.exec(l)
      return m ? [{ id: m[1], kind: m[2], signer: m[3], price: BigInt(m[4]), channel: m[5], cumulative: BigInt(m[6]) }] : []
    })
    assert.equal(receipts.length, 2, stdout)
    assert.deepEqual(receipts.map((r) => r.kind), ['plain', 'streamed'])
    for (const r of receipts) assert.equal(r.signer, chatNode.address.toLowerCase())
    assert.deepEqual(receipts.map((r) => r.cumulative), [1n, 2n], 'one voucher per request, at the price of 1')
    assert.equal(receipts[0].channel, receipts[1].channel)
    // The channel is on the ledger: opened by the demo key to the chat node, with the example's budget.
    const channel = await rpc.queryJson<ChannelJson>(`/payments/channel/${receipts[0].channel}`)
    assert.equal(channel.client, net.layout.demoAddress)
    assert.equal(channel.node.toLowerCase(), chatNode.address.toLowerCase())
    assert.equal(channel.deposit, '10')
    assert.equal(channel.status, 'open')
  })
}

test('a budget spent beyond its top-ups: the openai client gets a 402 budget_exhausted, and no more is escrowed', async () => {
  const seen: PaidAnswer[] = []
  const fetch = createPayingFetch({ key: await readKeyFile(net.layout.demoKeyFile), ledger: ledgerUrl, budget: 3n, deposit: 2n, onReceipt: (a) => seen.push(a) })
  const openai = new OpenAI({ baseURL: `${chatNode.url}/v1`, apiKey: 'not-needed', fetch })
  const ask = (i: number) => openai.chat.completions.create({ model: STAND_IN_MODEL, messages: [{ role: 'user', content: `budget ${i}` }] })
  try {
    for (let i = 0; i < 3; i++) assert.match((await ask(i)).choices[0].message.content ?? '', new RegExp(`you said: budget ${i}`))
    assert.equal(fetch.escrowed, 3n, 'opened with 2, topped up by the 1 left')
    const channel = await rpc.queryJson<ChannelJson>(`/payments/channel/${seen[0].payment!.channelId}`)
    assert.equal(channel.deposit, '3')
    await assert.rejects(ask(3), (err: InstanceType<typeof OpenAI.APIError>) => {
      assert.equal(err.status, 402)
      assert.equal(err.code, 'budget_exhausted')
      assert.equal(err.type, 'payment_required')
      assert.match(err.message, /escrowed 3 of its budget of 3/)
      return true
    })
    assert.equal(fetch.escrowed, 3n)
    assert.deepEqual(seen.map((a) => a.payment?.cumulative), [1n, 2n, 3n])
  } finally {
    fetch.close()
  }
})

test('concurrent first requests open one channel between them, and every one is paid and answered', async () => {
  const seen: PaidAnswer[] = []
  const fetch = createPayingFetch({ key: await readKeyFile(net.layout.demoKeyFile), ledger: ledgerUrl, budget: 10n, onReceipt: (a) => seen.push(a) })
  const openai = new OpenAI({ baseURL: `${chatNode.url}/v1`, apiKey: 'not-needed', fetch })
  try {
    const answers = await Promise.all([0, 1, 2, 3].map((i) => openai.chat.completions.create({ model: STAND_IN_MODEL, messages: [{ role: 'user', content: `together ${i}` }] })))
    answers.forEach((a, i) => assert.match(a.choices[0].message.content ?? '', new RegExp(`you said: together ${i}$`)))
    assert.equal(seen.length, 4)
    assert.equal(new Set(seen.map((a) => a.payment?.channelId)).size, 1, 'one channel')
    assert.equal(new Set(seen.map((a) => a.payment?.cumulative)).size, 4, 'a voucher each')
    assert.equal(fetch.escrowed, 10n)
  } finally {
    fetch.close()
  }
})

/**
 * A proxy in front of the chat node that changes its answers' text, receipts untouched. `paid`
 * lists the requests the node took a voucher for (its `x-haca-paid` header; streamed answers
 * carry none, so for those: a voucher sent and a 200 back).
 */
async function tamperingProxy(): Promise<{ url: string; paid: string[]; close(): Promise<void> }> {
  const paid: string[] = []
  const server: Server = createServer(async (req, res) => {
    let body = ''
    for await (const chunk of req) body += chunk
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    const voucher = req.headers['x-haca-voucher']
    if (typeof voucher === 'string') headers['x-haca-voucher'] = voucher
    const upstream = await fetch(`${chatNode.url}${req.url}`, { method: req.method, headers, body: req.method === 'POST' ? body : undefined })
    const text = (await upstream.text()).replaceAll('you said', 'you paid for')
    if (typeof voucher === 'string' && upstream.ok) paid.push(upstream.headers.get('x-haca-paid') ?? 'streamed')
    const out: Record<string, string> = {}
    for (const name of ['content-type', 'x-haca-receipt', 'x-haca-paid']) {
      const v = upstream.headers.get(name)
      if (v) out[name] = v
    }
    res.writeHead(upstream.status, out).end(text)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const a = server.address()
  return { url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`, paid, close: () => new Promise<void>((r) => server.close(() => r())) }
}

test('a tampered answer from a paid node is refused after payment (plain and stream), and the node is paid nothing more', async () => {
  const proxy = await tamperingProxy()
  const key = await readKeyFile(net.layout.demoKeyFile)
  try {
    // The proxy is no registered endpoint: pinned here as the chat node, whose key signs the receipts.
    const plain = createPayingFetch({ key, ledger: ledgerUrl, budget: 5n, nodes: [{ url: proxy.url, address: chatNode.address }] })
    const body = (content: string, stream = false) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: STAND_IN_MODEL, messages: [{ role: 'user', content }], stream }) })
    await assert.rejects(plain(`${proxy.url}/v1/chat/completions`, body('tamper me')), (err: unknown) => err instanceof ReceiptVerificationError && err.check === 'responseHash')
    assert.deepEqual(proxy.paid, ['1'], 'the node was paid for that answer')
    await assert.rejects(plain(`${proxy.url}/v1/chat/completions`, body('again')), DistrustedNodeError)
    assert.deepEqual(proxy.paid, ['1'], 'and not again')
    plain.close()

    const streaming = createPayingFetch({ key, ledger: ledgerUrl, budget: 5n, nodes: [{ url: proxy.url, address: chatNode.address }] })
    const openai = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'not-needed', fetch: streaming })
    const stream = await openai.chat.completions.create({ model: STAND_IN_MODEL, messages: [{ role: 'user', content: 'tamper my stream' }], stream: true })
    let text = ''
    await assert.rejects((async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
    })(), (err: unknown) => err instanceof ReceiptVerificationError && err.check === 'responseHash')
    assert.match(text, /you paid for/)
    assert.deepEqual(proxy.paid, ['1', 'streamed'])
    streaming.close()

    // Without the pin, the registry knows no node at the proxy's URL: refused before paying.
    const unpinned = createPayingFetch({ key, ledger: ledgerUrl, budget: 5n })
    await assert.rejects(unpinned(`${proxy.url}/v1/chat/completions`, body('who are you')), UnknownNodeError)
    assert.equal(proxy.paid.length, 2)
    unpinned.close()
  } finally {
    await proxy.close()
  }
})
