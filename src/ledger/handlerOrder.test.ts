/**
 * The handler order rule: parse → load → authorise → every check → writes → events. A refused
 * message must have written nothing when it throws, even before the app drops its overlay; so
 * each refusal here runs its handler directly on a fresh overlay and finds it empty.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex, utf8 } from '../core/bytes.ts'
import { sha256 } from '../core/hash.ts'
import { addressOf, publicKeyOf } from '../core/keys.ts'
import { type Receipt, signReceipt } from '../protocol/receipt.ts'
import { setAccount } from './accounts/keeper.ts'
import { buildTransferTx } from './accounts/tx.ts'
import { LedgerApp } from './app.ts'
import type { TxContext } from './context.ts'
import { canonicalIoSchema } from './models/msgs.ts'
import { buildRegisterModelTx } from './models/tx.ts'
import { MODULES } from './modules.ts'
import { PAYMENTS_ESCROW_ADDRESS } from './payments/keys.ts'
import { channelIdOf } from '../protocol/channelId.ts'
import { buildCloseChannelTx, buildOpenChannelTx, buildTopUpTx, buildWithdrawChannelTx } from './payments/tx.ts'
import { signVoucher } from '../protocol/voucher.ts'
import { nodeKey } from './registry/keys.ts'
import { buildRegisterTx, buildSetMeasurementsTx, buildWithdrawTx, signKeyProof } from './registry/tx.ts'
import { buildEvidenceTx, buildSettleBatch, buildSettleBatchTx } from './settlement/tx.ts'
import { CorruptRecordError } from './state/corruptState.ts'
import { MemoryKv } from './state/kv.ts'
import { Overlay } from './state/overlay.ts'
import { decodeTx } from './tx/envelope.ts'

const CHAIN = 'handler-order'
const T0 = 1_800_000_000_000n
const key = (name: string) => sha256(utf8(`handler order ${name}`))
const [gov, operator, signer, client, poor] = ['gov', 'operator', 'signer', 'client', 'poor'].map(key) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array]
const OPERATOR = addressOf(operator)
const CLIENT = addressOf(client)
const ROUTES = new Map(MODULES.flatMap((m) => m.routes).map((r) => [r.type, r]))
type Env = { chainId: string; nonce: bigint; fee: bigint }
const env = (nonce = 0n): Env => ({ chainId: CHAIN, nonce, fee: 10n })

let n = 0
function receipt(): Receipt {
  n++
  return signReceipt(
    { version: 1, id: toHex(sha256(utf8(`hr${n}`))), node: addressOf(signer), model: 'm', mode: 'vanilla', requestHash: toHex(sha256(utf8(`hq${n}`))), responseHash: toHex(sha256(utf8(`ha${n}`))), price: 7n, timestamp: Number(T0) + 500 },
    signer,
  )
}

async function chain() {
  const app = await LedgerApp.open(new MemoryKv())
  const appState = {
    accounts: [gov, operator, client].map((k) => ({ address: addressOf(k), balance: '1000000' })).concat([{ address: addressOf(poor), balance: '100' }]),
    registry: { governance: addressOf(gov), trustedRoots: [], measurements: {}, maxAttestationAgeMs: '3600000', minStake: '1000', unbondingPeriodMs: '60000', allowVanilla: true, recentBlockHashes: 5 },
    payments: { feeBps: '250', challengePeriodMs: '60000' },
  }
  await app.initChain({ chainId: CHAIN, appStateBytes: utf8(JSON.stringify(appState)), initialHeight: 1n })
  let height = 0
  let timeMs = T0
  const block = async (txs: Uint8Array[], stepMs = 1000n) => {
    timeMs += stepMs
    const res = await app.finalizeBlock({ height: BigInt(++height), txs, time: { seconds: timeMs / 1000n, nanos: 0 } })
    await app.commit()
    for (const r of res.txResults) assert.equal(r.code, 0, r.log)
  }
  const io = canonicalIoSchema({ inputs: [{ name: 'x', elementType: 'float32', shape: [1] }], outputs: [{ name: 'y', elementType: 'float32', shape: [1] }] })
  const model = { name: 'order-model', version: '1', manifestBlobId: 'B'.repeat(43), sha256: toHex(sha256(utf8('w'))), size: 1n, format: 'onnx' as const, io, modes: ['vanilla' as const], price: 7n }
  const registerMsg = (stake: bigint) => ({
    nodeType: 'inference' as const,
    evidence: { kind: 'none' as const },
    signingKey: publicKeyOf(signer),
    endpoint: 'http://127.0.0.1:1',
    payout: OPERATOR,
    capabilities: { runtimes: ['onnx'], models: ['m'], modes: ['vanilla'], prices: [{ item: 'm', amount: 7n }] },
    stake,
    nonceHeight: 0,
    keyProof: signKeyProof(OPERATOR, signer),
  })
  const c1 = channelIdOf(CLIENT, OPERATOR, 0n)
  const c2 = channelIdOf(CLIENT, OPERATOR, 1n)
  const closing = channelIdOf(CLIENT, OPERATOR, 2n)
  await block([
    buildRegisterModelTx({ ...env(0n), model }, gov).bytes,
    buildRegisterTx({ ...env(0n), msg: registerMsg(5000n) }, operator).bytes,
    buildOpenChannelTx({ ...env(0n), node: OPERATOR, amount: 1000n }, client).bytes,
    buildOpenChannelTx({ ...env(1n), node: OPERATOR, amount: 1000n }, client).bytes,
    buildOpenChannelTx({ ...env(2n), node: OPERATOR, amount: 300n }, client).bytes,
    // An account with a nonce to spend (open_channel reads the nonce the ante handler used) and little else.
    buildTransferTx({ ...env(0n), to: CLIENT, amount: 1n }, poor).bytes,
  ])
  await block([buildCloseChannelTx({ ...env(3n), channelId: closing }, client).bytes])
  await block([], 61_000n)
  return { app, timeMs: () => timeMs, height: () => height, c1, c2, closing, model, registerMsg }
}

/** Runs the message of signed transaction `bytes` through its handler on a fresh overlay over `parent`. */
async function handle(parent: { get(key: Uint8Array): Promise<Uint8Array | undefined> }, bytes: Uint8Array, block: { height: number; timeMs: bigint }) {
  const tx = decodeTx(bytes)
  const route = ROUTES.get(tx.type)!
  const store = new Overlay(parent)
  const ctx: TxContext = { store, sender: tx.from, height: block.height, timeMs: block.timeMs, events: [] }
  const result = await route.handle(ctx, route.decode(tx.body)).then(
    () => undefined,
    (err: unknown) => err,
  )
  return { store, ctx, error: result as (Error & { code?: string }) | undefined }
}

test('every refused message wrote nothing before it threw', async () => {
  const c = await chain()
  const at = { height: c.height() + 1, timeMs: c.timeMs() + 1000n }
  const r1 = receipt()
  const r2 = receipt()
  // Channels settle in id order: the over-spending voucher is on the second, after the first passed its checks.
  const [first, second] = [c.c1, c.c2].sort()
  const vouchers = (cumulative2: bigint) => [
    signVoucher({ chainId: CHAIN, channelId: first, cumulative: 7n, requestHash: r1.requestHash }, client),
    signVoucher({ chainId: CHAIN, channelId: second, cumulative: cumulative2, requestHash: r2.requestHash }, client),
  ]
  const twoChannelBatch = (cumulative2: bigint) =>
    buildSettleBatchTx({ ...env(1n), msg: buildSettleBatch({ chainId: CHAIN, node: OPERATOR, entries: [{ receipt: r1, channelId: first }, { receipt: r2, channelId: second }], vouchers: vouchers(cumulative2), signingKey: signer }) }, operator).bytes
  const cases: Array<[string, Uint8Array, string]> = [
    ['transfer beyond the balance', buildTransferTx({ ...env(1n), to: CLIENT, amount: 1_000_000n }, poor).bytes, 'insufficient_funds'],
    ['a model version twice', buildRegisterModelTx({ ...env(1n), model: c.model }, gov).bytes, 'model_version_exists'],
    ['register twice', buildRegisterTx({ ...env(1n), msg: c.registerMsg(5000n) }, operator).bytes, 'already_registered'],
    ['register a stake beyond the balance', buildRegisterTx({ ...env(1n), msg: { ...c.registerMsg(1000n), signingKey: publicKeyOf(key('s2')), keyProof: signKeyProof(addressOf(poor), key('s2')) } }, poor).bytes, 'insufficient_funds'],
    ['set_measurements by someone else', buildSetMeasurementsTx({ ...env(0n), msg: { nodeType: 'inference', measurements: { nitro: [], tdx: [] } } }, client).bytes, 'unauthorized'],
    ['withdraw a stake still bonded', buildWithdrawTx(env(1n), operator).bytes, 'not_unbonding'],
    ['open a channel beyond the balance', buildOpenChannelTx({ ...env(1n), node: OPERATOR, amount: 1000n }, poor).bytes, 'insufficient_funds'],
    ['top up a closing channel', buildTopUpTx({ ...env(4n), channelId: c.closing, amount: 1n }, client).bytes, 'channel_closed'],
    ['withdraw an open channel', buildWithdrawChannelTx({ ...env(4n), channelId: c.c1 }, client).bytes, 'challenge_period_not_over'],
    ["a batch whose second channel's voucher over-spends", twoChannelBatch(5000n), 'voucher_overspend'],
    ['evidence for a receipt never settled', buildEvidenceTx({ ...env(4n), receipt: r1 }, client).bytes, 'invalid_evidence'],
  ]
  for (const [name, bytes, code] of cases) {
    const { store, ctx, error } = await handle(c.app.committedState, bytes, at)
    assert.ok(error, `${name}: refused`)
    assert.equal(error.code, code, `${name}: ${error.message}`)
    assert.equal(store.size, 0, `${name}: wrote ${store.size} keys before failing`)
    assert.deepEqual(ctx.events, [], `${name}: no events`)
  }
  // The same batch with a voucher within the second deposit settles: the refusal above was the over-spend.
  const ok = await handle(c.app.committedState, twoChannelBatch(7n), at)
  assert.equal(ok.error, undefined, ok.error?.message)
})

test("withdrawing a channel checks the escrow's balance before it marks the channel withdrawn", async () => {
  const c = await chain()
  // A damaged escrow (less than the channel's refund): the release must fail before any write.
  const parent = new Overlay(c.app.committedState)
  setAccount(parent, PAYMENTS_ESCROW_ADDRESS, { balance: 100n, nonce: 0n })
  const { store, error } = await handle(parent, buildWithdrawChannelTx({ ...env(4n), channelId: c.closing }, client).bytes, { height: c.height() + 1, timeMs: c.timeMs() })
  assert.equal(error?.code, 'insufficient_funds', error?.message)
  assert.equal(store.size, 0)
  // With the escrow whole, the same withdrawal goes through.
  const ok = await handle(c.app.committedState, buildWithdrawChannelTx({ ...env(4n), channelId: c.closing }, client).bytes, { height: c.height() + 1, timeMs: c.timeMs() })
  assert.equal(ok.error, undefined, ok.error?.message)
  assert.ok(ok.store.size > 0)
})

test('set_measurements loads every node before it writes the params (a corrupt node record leaves nothing written)', async () => {
  const c = await chain()
  const parent = new Overlay(c.app.committedState)
  parent.set(nodeKey(OPERATOR), Uint8Array.of(0xc1, 0x80))
  const tx = buildSetMeasurementsTx({ ...env(1n), msg: { nodeType: 'inference', measurements: { nitro: [], tdx: [] } } }, gov).bytes
  const { store, error } = await handle(parent, tx, { height: c.height() + 1, timeMs: c.timeMs() })
  assert.ok(error instanceof CorruptRecordError, String(error))
  assert.equal(store.size, 0)
  const ok = await handle(c.app.committedState, tx, { height: c.height() + 1, timeMs: c.timeMs() })
  assert.equal(ok.error, undefined, ok.error?.message)
  assert.equal(ok.store.size, 1, 'the params')
})
