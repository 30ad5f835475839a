import { test } from 'node:test'
import assert from 'node:assert/strict'
import { type Hex, toHex, utf8 } from '../../core/bytes.ts'
import { addressOf, generatePrivateKey } from '../../core/keys.ts'
import { accountsKeeper, getAccount } from '../accounts/keeper.ts'
import { FEE_POOL_ADDRESS } from '../accounts/keys.ts'
import { LedgerApp } from '../app.ts'
import { MemoryKv } from '../state/kv.ts'
import { Overlay } from '../state/overlay.ts'
import { PaymentsKeeper, getChannel } from './keeper.ts'
import { paymentsMsgServer } from './msgServer.ts'
import { signVoucher } from '../../protocol/voucher.ts'
import { PAYMENTS_ESCROW_ADDRESS } from './keys.ts'
import { channelIdOf } from '../../protocol/channelId.ts'
import { buildCloseChannelTx, buildOpenChannelTx, buildTopUpTx, buildWithdrawChannelTx } from './tx.ts'

const CHAIN = 'payments-test'
const FEE = 10n
const T0 = 1_800_000_000n
const alice = generatePrivateKey()
const bob = generatePrivateKey()
const node = generatePrivateKey()
const [A, B, N] = [alice, bob, node].map((k) => addressOf(k))
const keeper = new PaymentsKeeper({ accounts: accountsKeeper, bank: accountsKeeper })
const settleVoucher = keeper.settleVoucher.bind(keeper)
const settleSignedVoucher = keeper.settleSignedVoucher.bind(keeper)
const { closeChannel: handleCloseChannel, withdraw: handleWithdraw } = paymentsMsgServer(keeper)

type Build = (p: { chainId: string; nonce: bigint; fee: bigint }, key: Uint8Array) => { bytes: Uint8Array }

async function setup(payments: object = { feeBps: 250, challengePeriodMs: '60000' }) {
  const app = await LedgerApp.open(new MemoryKv())
  await app.initChain({ chainId: CHAIN, appStateBytes: utf8(JSON.stringify({ accounts: [A, B].map((address) => ({ address, balance: '1000000' })), payments })) })
  let height = 0
  let seconds = T0
  const nonces = new Map<Uint8Array, bigint>()
  /** Runs one tx in its own block, `advance` seconds after the previous one. */
  const run = async (key: Uint8Array, build: Build, advance = 1n) => {
    const nonce = nonces.get(key) ?? 0n
    const tx = build({ chainId: CHAIN, nonce, fee: FEE }, key).bytes
    seconds += advance
    const res = await app.finalizeBlock({ height: BigInt(++height), txs: [tx], time: { seconds, nanos: 0 } })
    await app.commit()
    nonces.set(key, nonce + 1n)
    return { ...res.txResults[0], nonce }
  }
  const query = async (path: string) => {
    const r = await app.query({ path })
    return { code: r.code, log: r.log, body: r.code === 0 ? JSON.parse(Buffer.from(r.value).toString()) : undefined }
  }
  const balance = async (a: Hex) => (await getAccount(app.committedState, a)).balance
  const open = async (key: Uint8Array, amount: bigint) => {
    const r = await run(key, (p, k) => buildOpenChannelTx({ ...p, node: N, amount }, k))
    assert.equal(r.code, 0, r.log)
    return channelIdOf(addressOf(key), N, r.nonce)
  }
  return { app, run, query, balance, open, now: () => seconds * 1000n }
}

test('open_channel escrows from the client under a deterministic ID; top_up adds; queries list it', async () => {
  const { run, query, balance, open } = await setup()
  const id = await open(alice, 5000n)
  assert.equal(await balance(A), 1_000_000n - 5000n - FEE)
  assert.equal(await balance(PAYMENTS_ESCROW_ADDRESS), 5000n)
  const top = await run(alice, (p, k) => buildTopUpTx({ ...p, channelId: id, amount: 700n }, k))
  assert.equal(top.code, 0, top.log)
  const ch = (await query(`/payments/channel/${id}`)).body
  assert.deepEqual([ch.client, ch.node, ch.deposit, ch.spent, ch.status], [A, N, '5700', '0', 'open'])
  const id2 = await open(alice, 1n)
  assert.notEqual(id2, id)
  assert.deepEqual((await query(`/payments/channels/${A}`)).body.map((c: { id: string }) => c.id), [id, id2])
  assert.deepEqual((await query(`/payments/channels/${B}`)).body, [])
  const missing = await query(`/payments/channel/0x${'00'.repeat(32)}`)
  assert.equal(missing.code, 3)
  assert.match(missing.log, /no payment channel/)
  assert.equal((await query('/payments/params')).body.feeBps, '250')
})

test('only the client tops up, closes and withdraws; amounts must be positive and covered', async () => {
  const { run, open } = await setup()
  const id = await open(alice, 100n)
  const byBob = await run(bob, (p, k) => buildTopUpTx({ ...p, channelId: id, amount: 5n }, k))
  assert.equal(byBob.codespace, 'payments')
  assert.match(byBob.log, /only its client can top up/)
  assert.match((await run(bob, (p, k) => buildCloseChannelTx({ ...p, channelId: id }, k))).log, /only its client can close/)
  const tooMuch = await run(alice, (p, k) => buildOpenChannelTx({ ...p, node: N, amount: 10_000_000n }, k))
  assert.equal(tooMuch.codespace, 'accounts')
  const zero = await run(alice, (p, k) => buildOpenChannelTx({ ...p, node: N, amount: 0n }, k))
  assert.match(zero.log, /must be positive/)
})

test('close starts a challenge period in block time; withdraw before it ends is refused, after it returns the unspent deposit once', async () => {
  const { run, query, balance, open } = await setup()
  const id = await open(alice, 1000n)
  const early = await run(alice, (p, k) => buildWithdrawChannelTx({ ...p, channelId: id }, k))
  assert.match(early.log, /close it first/)
  const close = await run(alice, (p, k) => buildCloseChannelTx({ ...p, channelId: id }, k))
  assert.equal(close.code, 0, close.log)
  const ch = (await query(`/payments/channel/${id}`)).body
  assert.equal(ch.status, 'closing')
  assert.match((await run(alice, (p, k) => buildTopUpTx({ ...p, channelId: id, amount: 1n }, k))).log, /closing/)
  assert.match((await run(alice, (p, k) => buildCloseChannelTx({ ...p, channelId: id }, k))).log, /already closing/)
  const during = await run(alice, (p, k) => buildWithdrawChannelTx({ ...p, channelId: id }, k), 30n)
  assert.equal(during.codespace, 'payments')
  assert.match(during.log, /challenge period runs until/)
  const before = await balance(A)
  const after = await run(alice, (p, k) => buildWithdrawChannelTx({ ...p, channelId: id }, k), 60n)
  assert.equal(after.code, 0, after.log)
  assert.equal(await balance(A), before + 1000n - FEE)
  assert.equal(await balance(PAYMENTS_ESCROW_ADDRESS), 0n)
  assert.equal((await query(`/payments/channel/${id}`)).body.status, 'withdrawn')
  assert.match((await run(alice, (p, k) => buildWithdrawChannelTx({ ...p, channelId: id }, k))).log, /already withdrawn/)
})

test('settleVoucher: client spent = node earned + fee, exactly; replay, over-spend and someone else\'s channel refused', async () => {
  const { app, balance, open } = await setup({ feeBps: 250, challengePeriodMs: '60000' })
  const id = await open(alice, 10_000n)
  const s = new Overlay(app.committedState)
  const payout = addressOf(generatePrivateKey())
  const first = await settleVoucher(s, id, 1_001n, { node: N, timeMs: 0n, payout })
  // 2.5 % of 1001 = 25.025 → 25 (rounded down, integers only).
  assert.deepEqual([first.amount, first.fee, first.earned], [1_001n, 25n, 976n])
  const second = await settleVoucher(s, id, 3_000n, { node: N, timeMs: 0n, payout })
  assert.deepEqual([second.amount, second.fee, second.earned], [1_999n, 49n, 1_950n])
  const earned = (await getAccount(s, payout)).balance
  const fees = (await getAccount(s, FEE_POOL_ADDRESS)).balance - (await balance(FEE_POOL_ADDRESS))
  assert.equal(earned + fees, 3_000n)
  assert.equal((await getChannel(s, id))!.spent, 3_000n)
  assert.equal((await getAccount(s, PAYMENTS_ESCROW_ADDRESS)).balance, 7_000n)

  await assert.rejects(settleVoucher(s, id, 3_000n, { node: N, timeMs: 0n }), { name: /voucher_replay/, message: /not above the 3000 already settled/ })
  await assert.rejects(settleVoucher(s, id, 2_000n, { node: N, timeMs: 0n }), /replayed or stale/)
  await assert.rejects(settleVoucher(s, id, 10_001n, { node: N, timeMs: 0n }), { name: /voucher_overspend/, message: /exceeds its deposit of 10000/ })
  await assert.rejects(settleVoucher(s, id, 4_000n, { node: B, timeMs: 0n }), { name: /not_channel_node/, message: new RegExp(`pays ${N}, not ${B}`) })
  await assert.rejects(settleVoucher(s, `0x${'11'.repeat(32)}`, 1n, { node: N, timeMs: 0n }), /no payment channel/)
  // Nothing moved by the refusals.
  assert.equal((await getAccount(s, PAYMENTS_ESCROW_ADDRESS)).balance, 7_000n)
  assert.equal((await getChannel(s, id))!.spent, 3_000n)
  // The whole deposit can be settled; then nothing more.
  const last = await settleVoucher(s, id, 10_000n, { node: N, timeMs: 0n })
  assert.equal(last.payout, N)
  assert.equal((await getAccount(s, PAYMENTS_ESCROW_ADDRESS)).balance, 0n)
})

test('settleVoucher works during the challenge period and is refused after it', async () => {
  const { app, run, open, now } = await setup()
  const id = await open(alice, 500n)
  assert.equal((await run(alice, (p, k) => buildCloseChannelTx({ ...p, channelId: id }, k))).code, 0)
  const closesAt = now() + 60_000n
  const s = new Overlay(app.committedState)
  assert.equal((await settleVoucher(s, id, 100n, { node: N, timeMs: closesAt - 1n })).amount, 100n)
  await assert.rejects(settleVoucher(s, id, 200n, { node: N, timeMs: closesAt }), /challenge period ended/)
})

test('genesis: fee above 100 % is refused; defaults apply without a payments section', async () => {
  const app = await LedgerApp.open(new MemoryKv())
  await assert.rejects(app.initChain({ chainId: CHAIN, appStateBytes: utf8(JSON.stringify({ payments: { feeBps: 10_001 } })) }), /feeBps must be at most 10000/)
  const { query } = await setup({})
  assert.deepEqual((await query('/payments/params')).body, { feeBps: '100', challengePeriodMs: '3600000' })
})

test('settleSignedVoucher checks the client signature and chain before settling', async () => {
  const { app, open } = await setup()
  const id = await open(alice, 1_000n)
  const s = new Overlay(app.committedState)
  const voucher = (cumulative: bigint, key = alice, chainId = CHAIN) => signVoucher({ chainId, channelId: id, cumulative, requestHash: toHex(new Uint8Array(32)) }, key)
  await assert.rejects(settleSignedVoucher(s, voucher(100n, bob), { chainId: CHAIN, node: N, timeMs: 0n }), /not by the channel's client/)
  await assert.rejects(settleSignedVoucher(s, voucher(100n, alice, 'other'), { chainId: CHAIN, node: N, timeMs: 0n }), /for chain "other"/)
  await assert.rejects(settleSignedVoucher(s, voucher(100n), { chainId: CHAIN, node: B, timeMs: 0n }), /not_channel_node|pays/)
  assert.equal((await settleSignedVoucher(s, voucher(100n), { chainId: CHAIN, node: N, timeMs: 0n })).amount, 100n)
  await assert.rejects(settleSignedVoucher(s, voucher(100n), { chainId: CHAIN, node: N, timeMs: 0n }), { name: /voucher_replay/ })
  await assert.rejects(settleSignedVoucher(s, voucher(1_001n), { chainId: CHAIN, node: N, timeMs: 0n }), { name: /voucher_overspend/ })
})

test('settle, close, withdraw: the client gets deposit − spent back and every unit is accounted for', async () => {
  const { app, open, now } = await setup()
  const id = await open(alice, 1_000n)
  const s = new Overlay(app.committedState)
  const supply = async () => {
    let sum = 0n
    for (const a of [A, N, FEE_POOL_ADDRESS, PAYMENTS_ESCROW_ADDRESS]) sum += (await getAccount(s, a)).balance
    return sum
  }
  const before = await supply()
  const aliceBefore = (await getAccount(s, A)).balance
  const feesBefore = (await getAccount(s, FEE_POOL_ADDRESS)).balance
  const ctx = (timeMs: bigint) => ({ store: s, sender: A, height: 99, timeMs, events: [] })
  await settleVoucher(s, id, 401n, { node: N, timeMs: now() })
  await handleCloseChannel(ctx(now()), { channelId: id })
  await assert.rejects(handleWithdraw(ctx(now() + 59_999n), { channelId: id }), /challenge period runs until/)
  await handleWithdraw(ctx(now() + 60_000n), { channelId: id })
  const spent = 1_000n - ((await getAccount(s, A)).balance - aliceBefore)
  const earned = (await getAccount(s, N)).balance
  const fee = (await getAccount(s, FEE_POOL_ADDRESS)).balance - feesBefore
  assert.equal(spent, 401n)
  assert.equal(fee, 10n) // 2.5 % of 401, rounded down
  assert.equal(spent, earned + fee)
  assert.equal(await supply(), before)
  assert.equal((await getAccount(s, PAYMENTS_ESCROW_ADDRESS)).balance, 0n)
})
