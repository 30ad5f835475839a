/**
 * Settlement end to end over a real ledger RPC (embedded engine): a registered node's worker
 * drains its durable receipt log into signed batches paid by the client's vouchers; balances
 * add up exactly; each receipt's settlement is proven against the app hash; a worker that
 * crashes after its batch landed neither loses a receipt nor gets paid twice.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Hex } from '../src/core/bytes.ts'
import { toHex, utf8 } from '../src/core/bytes.ts'
import { sha256 } from '../src/core/hash.ts'
import { writeKeyFile, type KeyFile } from '../src/core/keyfile.ts'
import { addressOf, generatePrivateKey, publicKeyOf } from '../src/core/keys.ts'
import { LedgerRpc } from '../src/client/ledger/ledgerRpc.ts'
import { sendTx } from '../src/client/ledger/sendTx.ts'
import { getSettlement } from '../src/client/getSettlement.ts'
import { signReceipt } from '../src/protocol/receipt.ts'
import { ReceiptLog } from '../src/nodes/inference/receipts/receiptLog.ts'
import { type VoucherBook, SettlementWorker } from '../src/nodes/inference/settlement/worker.ts'
import { FEE_POOL_ADDRESS } from '../src/ledger/accounts/keys.ts'
import { channelIdOf } from '../src/protocol/channelId.ts'
import { buildOpenChannelTx } from '../src/ledger/payments/tx.ts'
import { type SignedVoucher, signVoucher } from '../src/protocol/voucher.ts'
import { buildRegisterTx, signKeyProof } from '../src/ledger/registry/tx.ts'
import { startEmbeddedChain } from './helpers/embedded-chain.ts'
import { readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempHome } from './helpers/ledger.ts'

const CHAIN = 'settle-e2e'
let home: Awaited<ReturnType<typeof tempHome>>
let chain: Awaited<ReturnType<typeof startEmbeddedChain>>
let rpc: LedgerRpc
let node: KeyFile
let client: KeyFile
let channelId: Hex
const PAYOUT = addressOf(generatePrivateKey())

before(async () => {
  home = await tempHome('settle')
  node = await writeKeyFile(join(home.dir, 'node.json'))
  client = await writeKeyFile(join(home.dir, 'client.json'))
  chain = await startEmbeddedChain(home.dir, CHAIN, {
    accounts: [node.address, client.address].map((address) => ({ address, balance: '1000000' })),
    registry: { governance: client.address, trustedRoots: [], measurements: {}, maxAttestationAgeMs: '3600000', minStake: '100', unbondingPeriodMs: '60000', allowVanilla: true, recentBlockHashes: 5 },
    payments: { feeBps: '300', challengePeriodMs: '60000' },
  })
  rpc = await LedgerRpc.connect(chain.rpc)
  await sendTx(rpc, {
    key: node,
    build: (p) => buildRegisterTx({ ...p, msg: { nodeType: 'inference', evidence: { kind: 'none' }, signingKey: publicKeyOf(node.privateKey), endpoint: 'http://127.0.0.1:1', payout: PAYOUT, capabilities: { runtimes: ['onnx'], models: ['m'], modes: ['vanilla'], prices: [{ item: 'm', amount: 5n }] }, stake: 100n, nonceHeight: 0, keyProof: signKeyProof(node.address, node.privateKey) } }, node.privateKey).bytes,
  })
  const { nonce } = await rpc.queryJson<{ nonce: string }>(`/accounts/account/${client.address}`)
  await sendTx(rpc, { key: client, build: (p) => buildOpenChannelTx({ ...p, node: node.address, amount: 10_000n }, client.privateKey).bytes })
  channelId = channelIdOf(client.address, node.address, BigInt(nonce))
})

after(async () => {
  rpc?.disconnect()
  await chain?.close()
  await home?.cleanup()
})

/** The client pays each request with a voucher; the node records which channel paid which request. */
class Book implements VoucherBook {
  private byRequest = new Map<Hex, SignedVoucher>()
  cumulative = 0n
  pay(requestHash: Hex, price: bigint): void {
    this.cumulative += price
    this.byRequest.set(requestHash, signVoucher({ chainId: CHAIN, channelId, cumulative: this.cumulative, requestHash }, client.privateKey))
  }
  voucherOfRequest(h: Hex) {
    return this.byRequest.get(h)
  }
}

let n = 0
async function answer(log: ReceiptLog, book: Book, paid = true) {
  n++
  const requestHash = toHex(sha256(utf8(`request ${n}`)))
  if (paid) book.pay(requestHash, 5n)
  const r = signReceipt({ version: 1, id: toHex(sha256(utf8(`receipt ${n}`))), node: node.address, model: 'm', mode: 'vanilla', requestHash, responseHash: toHex(sha256(utf8(`answer ${n}`))), price: 5n, timestamp: Date.now() }, node.privateKey)
  await log.append(r)
  return r
}

async function balance(a: string): Promise<bigint> {
  return BigInt((await rpc.queryJson<{ balance: string }>(`/accounts/account/${a}`)).balance)
}

async function spent(): Promise<bigint> {
  return BigInt((await rpc.queryJson<{ spent: string }>(`/payments/channel/${channelId}`)).spent)
}

function worker(log: ReceiptLog, book: Book, dir: string, o: { batchSize: number; maxInFlight?: number }) {
  return new SettlementWorker({ receipts: log, vouchers: book, rpc, operatorKey: node, signingKey: node.privateKey, dir, ...o })
}

/** Drains until the worker dies recording its first cursor (after its first batch landed, with the rest still in flight). */
/** A receipt log of its own and a client book that continues the channel where it stands. */
async function crashScene(name: string): Promise<{ dir: string; log: ReceiptLog; book: Book; spentBefore: bigint }> {
  const dir = join(home.dir, name)
  const log = await ReceiptLog.open(dir)
  const book = new Book()
  const spentBefore = await spent()
  book.cumulative = spentBefore
  return { dir, log, book, spentBefore }
}

async function drainAndDie(log: ReceiptLog, book: Book, dir: string, o: { batchSize: number; maxInFlight?: number }): Promise<void> {
  const realCommit = log.commitCursor.bind(log)
  log.commitCursor = async () => {
    throw new Error('killed')
  }
  await assert.rejects(worker(log, book, dir, o).drain(), /killed/)
  log.commitCursor = realCommit
}

test('receipts settle in batches; client spent = node earned + fee; each settlement proven against the app hash', async () => {
  const log = await ReceiptLog.open(join(home.dir, 'receipts-a'))
  const book = new Book()
  const receipts = []
  for (let i = 0; i < 25; i++) receipts.push(await answer(log, book))
  await answer(log, book, false) // unpaid (no voucher): drained, not settled
  const feesBefore = await balance(FEE_POOL_ADDRESS)
  const outcomes = await worker(log, book, join(home.dir, 'receipts-a'), { batchSize: 10 }).drain()
  assert.deepEqual(outcomes.map((o) => o.status), ['settled', 'settled', 'settled'])
  const channel = await rpc.queryJson<{ spent: string; deposit: string }>(`/payments/channel/${channelId}`)
  assert.equal(channel.spent, String(25 * 5))
  const earned = await balance(PAYOUT)
  const fees = (await balance(FEE_POOL_ADDRESS)) - feesBefore
  // Fees also include the three settle transactions' fees (10 each).
  assert.equal(earned + (fees - 30n), 125n)
  const s = await getSettlement(rpc, { receiptId: receipts[13].id })
  assert.equal(s.status, 'settled')
  if (s.status === 'settled') {
    assert.equal(s.index, 3)
    assert.equal(s.receiptHash.length, 66)
  }
  assert.equal((await getSettlement(rpc, { receiptId: toHex(sha256(utf8('never'))) })).status, 'pending')
  assert.equal(await log.readCursor(), (await log.read(0, 100)).next)
  await log.close()
})

test('a worker that dies with several batches in flight resumes: each receipt settles once, the channel pays exactly', async () => {
  const { dir, log, book, spentBefore } = await crashScene('receipts-c')
  const receipts = []
  for (let i = 0; i < 20; i++) receipts.push(await answer(log, book))
  // Dies when recording the cursor after its first batch: four batches of 4 are in flight then.
  await drainAndDie(log, book, dir, { batchSize: 4, maxInFlight: 4 })
  assert.equal(await log.readCursor(), 0)
  const inFlight = JSON.parse(await readFile(join(dir, 'settlement-inflight.json'), 'utf8')) as unknown[]
  assert.equal(inFlight.length, 4, 'every batch sent is on record')

  // Restarted with another batch size: the recorded ranges are resent as they were, the rest in new batches.
  const restarted = worker(log, book, dir, { batchSize: 7, maxInFlight: 3 })
  const outcomes = await restarted.drain()
  assert.ok(outcomes.every((o) => o.status === 'settled'), JSON.stringify(outcomes))
  assert.equal(await spent(), spentBefore + 20n * 5n)
  for (const r of receipts) assert.equal((await getSettlement(rpc, { receiptId: r.id })).status, 'settled')
  assert.equal(await log.readCursor(), (await log.read(0, 100)).next)
  assert.deepEqual(JSON.parse(await readFile(join(dir, 'settlement-inflight.json'), 'utf8')), [])
  assert.deepEqual([...restarted.refused], [])
  await log.close()
})

test('after a crash, a page with nothing paid between batches in flight does not shift the ranges resent', async () => {
  const { dir, log, book, spentBefore } = await crashScene('receipts-d')
  const paid = []
  for (let i = 0; i < 4; i++) paid.push(await answer(log, book))
  for (let i = 0; i < 4; i++) await answer(log, book, false)
  // The last batch is shorter (2): resending from shifted ranges would group receipts differently.
  for (let i = 0; i < 6; i++) paid.push(await answer(log, book))
  await drainAndDie(log, book, dir, { batchSize: 4, maxInFlight: 4 })
  const restarted = worker(log, book, dir, { batchSize: 5, maxInFlight: 2 })
  const outcomes = await restarted.drain()
  assert.ok(outcomes.every((o) => o.status !== 'refused'), JSON.stringify(outcomes))
  assert.deepEqual([...restarted.refused], [])
  for (const r of paid) assert.equal((await getSettlement(rpc, { receiptId: r.id })).status, 'settled')
  assert.equal(await spent(), spentBefore + 10n * 5n)
  assert.equal(await log.readCursor(), (await log.read(0, 100)).next)
  await log.close()
})

test('a worker that dies after its batch landed resumes without losing or double-paying a receipt', async () => {
  const { dir, log, book } = await crashScene('receipts-b')
  const receipts = []
  for (let i = 0; i < 8; i++) receipts.push(await answer(log, book))
  const spentBefore = await spent()
  // The crash: the batch commits on the ledger, then the process dies before recording its cursor.
  await drainAndDie(log, book, dir, { batchSize: 8 })
  assert.equal(await log.readCursor(), 0)
  const paidOnce = await spent()
  assert.equal(paidOnce, spentBefore + 40n)

  const restarted = worker(log, book, dir, { batchSize: 3 })
  const outcomes = await restarted.drain()
  assert.equal(outcomes[0].status, 'settled')
  assert.equal(await spent(), paidOnce)
  for (const r of receipts) assert.equal((await getSettlement(rpc, { receiptId: r.id })).status, 'settled')
  assert.equal(await log.readCursor(), (await log.read(0, 100)).next)
  await log.close()
})

test('a drain that fails (here: a damaged receipt in a sealed segment) is reported each interval, not swallowed', async () => {
  const dir = join(home.dir, 'receipts-damaged')
  const options = { preallocateBytes: 4096, maxSegmentBytes: 16 * 1024 }
  const log = await ReceiptLog.open(dir, options)
  const book = new Book()
  book.cumulative = await spent()
  for (let i = 0; i < 60; i++) await answer(log, book)
  await log.close()
  const oldest = join(dir, (await readdir(dir)).filter((n) => n.startsWith('receipts-')).sort()[0])
  const text = await readFile(oldest, 'latin1')
  await writeFile(oldest, `0x${'zz'.repeat((text.indexOf('\n') - 2) / 2)}${text.slice(text.indexOf('\n'))}`, 'latin1')
  // The node starts (the damage is beyond the receipts it indexes); the drain then meets it.
  const reopened = await ReceiptLog.open(dir, { ...options, maxIndexed: 5 })
  const errors: unknown[] = []
  const w = new SettlementWorker({ receipts: reopened, vouchers: book, rpc, operatorKey: node, signingKey: node.privateKey, dir, batchSize: 10, onError: (err) => errors.push(err) })
  w.start(20)
  const deadline = Date.now() + 10_000
  while (errors.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  await w.stop()
  assert.ok(errors.length >= 2, 'reported at every interval it fails')
  assert.match(String(errors[0]), /receipts-0000000000000000\.log.*corrupt line at byte 0/)
  assert.equal(await reopened.readCursor(), 0, 'nothing was skipped')
  await reopened.close()
})
