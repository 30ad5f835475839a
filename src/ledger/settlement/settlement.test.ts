import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Hex } from '../../core/bytes.ts'
import { toHex, utf8 } from '../../core/bytes.ts'
import { sha256 } from '../../core/hash.ts'
import { type Address, addressOf, generatePrivateKey, publicKeyOf } from '../../core/keys.ts'
import { type Receipt, signReceipt } from '../../protocol/receipt.ts'
import { FEE_POOL_ADDRESS } from '../accounts/keys.ts'
import { LedgerApp } from '../app.ts'
import { channelIdOf } from '../../protocol/channelId.ts'
import { buildOpenChannelTx, buildTopUpTx } from '../payments/tx.ts'
import { signVoucher } from '../../protocol/voucher.ts'
import { STAKE_POOL_ADDRESS } from '../registry/keys.ts'
import { buildDeregisterTx, buildRegisterTx, signKeyProof } from '../registry/tx.ts'
import { MemoryKv } from '../state/kv.ts'
import { verifyMerkleProof, merkleProof } from '../../protocol/merkle.ts'
import { entryLeaves } from '../../protocol/settlementBatch.ts'
import { buildEvidenceTx, buildSettleBatch, buildSettleBatchTx } from './tx.ts'
import { fuzzRuns } from '../../core/fuzz.testing.ts'

const CHAIN = 'settle-test'
const T0 = 1_800_000_000_000
const nodeKey = generatePrivateKey()
const NODE = addressOf(nodeKey)
const PAYOUT = addressOf(generatePrivateKey())
const clientKey = generatePrivateKey()
const CLIENT = addressOf(clientKey)
const otherClient = generatePrivateKey()
const MODEL_PRICE = 7n

class Chain {
  height = 0
  timeMs = BigInt(T0)
  nonces = new Map<string, bigint>()
  constructor(readonly app: LedgerApp) {}
  static async start(): Promise<Chain> {
    const app = await LedgerApp.open(new MemoryKv())
    const appState = {
      accounts: [NODE, CLIENT, addressOf(otherClient)].map((address) => ({ address, balance: '1000000' })),
      registry: { governance: CLIENT, trustedRoots: [], measurements: {}, maxAttestationAgeMs: '3600000', minStake: '1000', unbondingPeriodMs: '60000', allowVanilla: true, recentBlockHashes: 5 },
      payments: { feeBps: '250', challengePeriodMs: '60000' },
    }
    await app.initChain({ chainId: CHAIN, appStateBytes: utf8(JSON.stringify(appState)), initialHeight: 1n })
    return new Chain(app)
  }
  nonce(key: Uint8Array): bigint {
    return this.nonces.get(addressOf(key)) ?? 0n
  }
  async run(key: Uint8Array, build: (env: { chainId: string; nonce: bigint; fee: bigint }) => { bytes: Uint8Array }) {
    const tx = build({ chainId: CHAIN, nonce: this.nonce(key), fee: 10n }).bytes
    this.timeMs += 1000n
    const res = await this.app.finalizeBlock({ height: BigInt(++this.height), txs: [tx], time: { seconds: this.timeMs / 1000n, nanos: 0 } })
    await this.app.commit()
    const r = res.txResults[0]
    if (r.codespace !== 'tx') this.nonces.set(addressOf(key), this.nonce(key) + 1n)
    return r
  }
  async balance(a: Address): Promise<bigint> {
    return BigInt(JSON.parse(Buffer.from((await this.app.query({ path: `/accounts/account/${a}` })).value).toString()).balance)
  }
  async query(path: string) {
    return JSON.parse(Buffer.from((await this.app.query({ path })).value).toString())
  }
}

async function setup() {
  const c = await Chain.start()
  const reg = await c.run(nodeKey, (env) =>
    buildRegisterTx({ ...env, msg: { nodeType: 'inference', evidence: { kind: 'none' }, signingKey: publicKeyOf(nodeKey), endpoint: 'http://127.0.0.1:1', payout: PAYOUT, capabilities: { runtimes: ['onnx'], models: ['m'], modes: ['vanilla'], prices: [{ item: 'm', amount: MODEL_PRICE }] }, stake: 5000n, nonceHeight: 0, keyProof: signKeyProof(NODE, nodeKey) } }, nodeKey),
  )
  assert.equal(reg.code, 0, reg.log)
  const channelNonce = c.nonce(clientKey)
  const open = await c.run(clientKey, (env) => buildOpenChannelTx({ ...env, node: NODE, amount: 1000n }, clientKey))
  assert.equal(open.code, 0, open.log)
  const channelId = channelIdOf(CLIENT, NODE, channelNonce)
  return { c, channelId }
}

let counter = 0
function receipt(over: Partial<Receipt> = {}, key = nodeKey): Receipt {
  counter++
  lastRequestHash = toHex(sha256(utf8(`q${counter}`)))
  return signReceipt({ version: 1, id: toHex(sha256(utf8(`r${counter}`))), node: addressOf(key), model: 'm', mode: 'vanilla', requestHash: lastRequestHash, responseHash: toHex(sha256(utf8(`a${counter}`))), price: MODEL_PRICE, timestamp: T0 + 500, ...over }, key)
}

let lastRequestHash: Hex = toHex(new Uint8Array(32))
/** A voucher for the last receipt made (settlement wants the voucher of a request in the batch). */
function voucher(channelId: Hex, cumulative: bigint, key = clientKey) {
  return signVoucher({ chainId: CHAIN, channelId, cumulative, requestHash: lastRequestHash }, key)
}

function settle(c: Chain, entries: Array<{ receipt: Receipt; channelId: Hex }>, vouchers: ReturnType<typeof voucher>[], signingKey = nodeKey) {
  const msg = buildSettleBatch({ chainId: CHAIN, node: NODE, entries, vouchers, signingKey })
  return c.run(nodeKey, (env) => buildSettleBatchTx({ ...env, msg }, nodeKey)).then((r) => ({ r, root: msg.root, msg }))
}

test('a batch settles: the client pays exactly what the node earns plus the fee, every receipt is recorded and provable', async () => {
  const { c, channelId } = await setup()
  const clientBefore = await c.balance(CLIENT)
  const receipts = [receipt(), receipt(), receipt()]
  const { r, root, msg } = await settle(c, receipts.map((receipt) => ({ receipt, channelId })), [voucher(channelId, 21n)])
  assert.equal(r.code, 0, r.log)
  const fee = (21n * 250n) / 10_000n
  assert.equal(await c.balance(PAYOUT), 21n - fee)
  assert.equal((await c.query(`/payments/channel/${channelId}`)).spent, '21')
  assert.equal(await c.balance(CLIENT), clientBefore)
  const status = await c.query(`/settlement/receipt/${receipts[1].id}`)
  assert.equal(status.status, 'settled')
  assert.equal(status.batchRoot, root)
  assert.equal(status.index, 1)
  // The batch's Merkle path proves the entry against the recorded root.
  const leaves = entryLeaves(msg.entries)
  assert.ok(verifyMerkleProof(leaves[1], merkleProof(leaves, 1), Buffer.from(root.slice(2), 'hex')))
  assert.ok(!verifyMerkleProof(leaves[0], merkleProof(leaves, 1), Buffer.from(root.slice(2), 'hex')))
  assert.equal((await c.query(`/settlement/receipt/${toHex(sha256(utf8('unknown')))}`)).status, 'pending')
  const feePool = await c.balance(FEE_POOL_ADDRESS)
  assert.ok(feePool >= fee)
})

test('every fault is refused with its reason and moves no funds', async () => {
  const { c, channelId } = await setup()
  const first = receipt()
  assert.equal((await settle(c, [{ receipt: first, channelId }], [voucher(channelId, 7n)])).r.code, 0)
  const payout = await c.balance(PAYOUT)
  const spent = (await c.query(`/payments/channel/${channelId}`)).spent

  const stranger = generatePrivateKey()
  const cases: Array<[string, () => Promise<{ r: { code: number; log: string } }>, RegExp]> = [
    ['forged receipt (signed by another key)', () => settle(c, [{ receipt: receipt({}, stranger), channelId }], [voucher(channelId, 14n)]), /names node/],
    ['replayed receipt', () => settle(c, [{ receipt: first, channelId }], [voucher(channelId, 14n)]), /already settled/],
    ['replayed voucher', () => settle(c, [{ receipt: receipt(), channelId }], [voucher(channelId, 7n)]), /covers 0|not above/],
    ['over-spending voucher', () => settle(c, [{ receipt: receipt(), channelId }], [voucher(channelId, 5000n)]), /exceeds its deposit/],
    ['voucher from someone else', () => settle(c, [{ receipt: receipt(), channelId }], [voucher(channelId, 14n, otherClient)]), /not by its client/],
    ['wrong price', () => settle(c, [{ receipt: receipt({ price: 1n }), channelId }], [voucher(channelId, 14n)]), /registered price is 7/],
    ['unknown model', () => settle(c, [{ receipt: receipt({ model: 'other' }), channelId }], [voucher(channelId, 14n)]), /no registered price/],
    ['batch signed by another key', () => settle(c, [{ receipt: receipt(), channelId }], [voucher(channelId, 14n)], stranger), /not signed by the registered key/],
    ['zkml without a verifier', () => settle(c, [{ receipt: receipt({ mode: 'zkml' }), channelId }], [voucher(channelId, 14n)]), /no ZKML proof verifier/],
    ['tee receipt from a vanilla node', () => settle(c, [{ receipt: receipt({ mode: 'tee' }), channelId }], [voucher(channelId, 14n)]), /no attested enclave/],
  ]
  for (const [name, run, reason] of cases) {
    const { r } = await run()
    assert.notEqual(r.code, 0, name)
    assert.match(r.log, reason, name)
  }
  // Someone else's channel: a channel whose node is not this one.
  const otherNonce = c.nonce(otherClient)
  await c.run(otherClient, (env) => buildOpenChannelTx({ ...env, node: addressOf(generatePrivateKey()), amount: 100n }, otherClient))
  const foreign = channelIdOf(addressOf(otherClient), (await c.query(`/payments/channels/${addressOf(otherClient)}`))[0].node, otherNonce)
  const { r: foreignResult } = await settle(c, [{ receipt: receipt(), channelId: foreign }], [voucher(foreign, 7n, otherClient)])
  assert.match(foreignResult.log, /pays 0x/)

  assert.equal(await c.balance(PAYOUT), payout)
  assert.equal((await c.query(`/payments/channel/${channelId}`)).spent, spent)

  // Receipts from a deregistered node are refused.
  assert.equal((await c.run(nodeKey, (env) => buildDeregisterTx(env, nodeKey))).code, 0)
  const { r: late } = await settle(c, [{ receipt: receipt(), channelId }], [voucher(channelId, 14n)])
  assert.match(late.log, /unbonding/)
  assert.equal(await c.balance(PAYOUT), payout)
})

test('a second statement for a settled receipt id slashes the node and compensates the client', async () => {
  const { c, channelId } = await setup()
  const settled = receipt()
  assert.equal((await settle(c, [{ receipt: settled, channelId }], [voucher(channelId, 7n)])).r.code, 0)
  // The client holds a receipt with the same id but another response hash, signed by the node.
  const conflicting = signReceipt({ ...settled, responseHash: toHex(sha256(utf8('what the client was really told'))) }, nodeKey)
  const same = await c.run(clientKey, (env) => buildEvidenceTx({ ...env, receipt: settled }, clientKey))
  assert.match(same.log, /exactly these contents/)
  const before = await c.balance(CLIENT)
  const [stakePool, feePool] = [await c.balance(STAKE_POOL_ADDRESS), await c.balance(FEE_POOL_ADDRESS)]
  assert.equal(stakePool, 5000n)
  const r = await c.run(clientKey, (env) => buildEvidenceTx({ ...env, receipt: conflicting }, clientKey))
  assert.equal(r.code, 0, r.log)
  assert.equal(await c.balance(CLIENT), before - 10n + 2500n)
  // The registry took the stake out of its pool: half to the client, the rest (and the tx fee) to the fee pool.
  assert.equal(await c.balance(STAKE_POOL_ADDRESS), 0n)
  assert.equal(await c.balance(FEE_POOL_ADDRESS), feePool + 2500n + 10n)
  const node = await c.app.query({ path: `/registry/node/${NODE}` })
  assert.ok(node.code !== 0 || Buffer.from(node.value).toString() === 'null', 'the node is gone from the registry')
  // A top-up still works for the client, and the slashed node can settle nothing more.
  assert.equal((await c.run(clientKey, (env) => buildTopUpTx({ ...env, channelId, amount: 1n }, clientKey))).code, 0)
  const { r: after } = await settle(c, [{ receipt: receipt(), channelId }], [voucher(channelId, 14n)])
  assert.match(after.log, /no registered node/)
})

test('fuzz: mutated settle_batch transactions are refused with a reason, crash nothing and change nothing', async () => {
  const runs = fuzzRuns(3_000)
  const { c, channelId } = await setup()
  const receipts = [receipt(), receipt(), receipt()]
  const msg = buildSettleBatch({ chainId: CHAIN, node: NODE, entries: receipts.map((r) => ({ receipt: r, channelId })), vouchers: [voucher(channelId, 21n)], signingKey: nodeKey })
  const good = buildSettleBatchTx({ chainId: CHAIN, nonce: c.nonce(nodeKey), fee: 10n, msg }, nodeKey).bytes
  const before = toHex(c.app.appHash)
  let seed = 4242
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n)
  const reasons = new Set<string>()
  for (let i = 0; i < runs; i++) {
    const m = Uint8Array.from(good)
    for (let f = 1 + rand(3); f > 0; f--) m[rand(m.length)] = rand(256)
    const tx = rand(10) === 0 ? m.subarray(0, rand(m.length)) : m
    if (Buffer.compare(tx, good) === 0) continue
    const res = await c.app.checkTx({ tx })
    assert.notEqual(res.code, 0, `accepted a mutated batch ${toHex(tx).slice(0, 80)}`)
    assert.ok(res.log.length > 0)
    reasons.add(res.log.split(':')[0])
  }
  assert.ok(reasons.size > 3, `refusals name what was wrong (${[...reasons].join(' | ')})`)
  assert.equal(toHex(c.app.appHash), before)
  // The unmutated batch still settles.
  assert.equal((await c.run(nodeKey, () => ({ bytes: good }))).code, 0)
})
