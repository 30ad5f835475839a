/**
 * Settlement against fake keepers: it reads and moves other modules' state only through the
 * interfaces of expectedKeepers.ts, writes only its own records, and asks its keepers to move
 * funds only after every check has passed.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { type Hex, equalBytes, fromHex, toHex, utf8 } from '../../core/bytes.ts'
import { sha256 } from '../../core/hash.ts'
import { type Address, addressOf, publicKeyOf } from '../../core/keys.ts'
import { type Receipt, encodeReceipt, signReceipt } from '../../protocol/receipt.ts'
import type { TxContext } from '../context.ts'
import { entryOfKey } from '../keyPrefixes.ts'
import { setParams } from '../params.ts'
import { ErrVoucherOverspend } from '../payments/errors.ts'
import { signVoucher } from '../../protocol/voucher.ts'
import type { NodeRecord } from '../registry/node.ts'
import { Overlay } from '../state/overlay.ts'
import { decodeTx } from '../tx/envelope.ts'
import type { ModelsKeeper, PaymentsKeeper, RegistryKeeper } from './expectedKeepers.ts'
import { recordSettledBatch } from './keeper.ts'
import { settleBatchCodec, submitEvidenceCodec } from './msgs.ts'
import { settlementMsgServer } from './msgServer.ts'
import { buildSettleBatch, buildSettleBatchTx } from './tx.ts'

const CHAIN = 'fake-keepers'
const T0 = 1_800_000_000_000
const key = (name: string) => sha256(utf8(`settlement fakes ${name}`))
const operatorKey = key('operator')
const signer = key('signer')
const clientKey = key('client')
const OPERATOR = addressOf(operatorKey)
const CLIENT = addressOf(clientKey)

const record: NodeRecord = {
  type: 'inference',
  signingKey: publicKeyOf(signer),
  hpkePublicKey: new Uint8Array(0),
  endpoint: 'http://127.0.0.1:1',
  payout: OPERATOR,
  capabilities: { runtimes: ['onnx'], models: ['m'], modes: ['vanilla'], prices: [{ item: 'm', amount: 7n }] },
  stake: 5000n,
  tee: 'none',
  measurement: [],
  attestedAtMs: BigInt(T0),
  evidenceHash: new Uint8Array(0),
  registeredHeight: 1,
  measurementRemoved: false,
  unbondingEndsMs: 0n,
}

type Channel = { client: Address; spent: bigint; deposit: bigint }

function fakes(channels: Map<Hex, Channel>) {
  const calls: string[] = []
  const registry: RegistryKeeper = {
    async node(_store, operator) {
      calls.push(`registry.node ${operator}`)
      return operator === OPERATOR ? { operator, record, statusAt: () => 'active' as const } : undefined
    },
    async operatorOfSigningKey(_store, signingKey) {
      calls.push('registry.operatorOfSigningKey')
      return equalBytes(signingKey, record.signingKey) ? OPERATOR : undefined
    },
    async slash(_store, operator, p) {
      calls.push(`registry.slash ${operator} to ${p.compensation.to} bps ${p.compensation.bps}`)
      return { stake: 5000n, compensation: 2500n }
    },
  }
  const payments: PaymentsKeeper = {
    async channel(_store, id) {
      return channels.get(id)
    },
    async checkSettlement(_store, id, cumulative, p) {
      calls.push(`payments.checkSettlement ${id}`)
      const c = channels.get(id)!
      if (cumulative > c.deposit) throw new ErrVoucherOverspend(`voucher for ${cumulative} on channel ${id} exceeds its deposit of ${c.deposit}`)
      return { amount: cumulative - c.spent, fee: 0n, earned: cumulative - c.spent, payout: p.payout ?? p.node }
    },
    async settleVoucher(_store, id, cumulative, p) {
      calls.push(`payments.settleVoucher ${id} ${cumulative}`)
      const c = channels.get(id)!
      return { amount: cumulative - c.spent, fee: 0n, earned: cumulative - c.spent, payout: p.payout ?? p.node }
    },
  }
  const models: ModelsKeeper = {
    async price() {
      return undefined
    },
  }
  return { calls, server: settlementMsgServer({ registry, payments, models }) }
}

let n = 0
function receipt(over: Partial<Receipt> = {}): Receipt {
  n++
  return signReceipt(
    { version: 1, id: toHex(sha256(utf8(`fr${n}`))), node: addressOf(signer), model: 'm', mode: 'vanilla', requestHash: toHex(sha256(utf8(`fq${n}`))), responseHash: toHex(sha256(utf8(`fa${n}`))), price: 7n, timestamp: T0, ...over },
    signer,
  )
}

/** A state with the chain's params, under the overlay the handler writes to. */
function stores() {
  const base = new Overlay({ get: async () => undefined })
  setParams(base, { chainId: CHAIN, minFee: 10n, maxTxBytes: 1 << 20 })
  return { base, store: new Overlay(base) }
}

/** Channels settle in id order: c2 is the later one. */
const [c1, c2] = [toHex(sha256(utf8('channel 1'))), toHex(sha256(utf8('channel 2')))].sort()

function batch(cumulative2: bigint) {
  const r1 = receipt()
  const r2 = receipt()
  const vouchers = [signVoucher({ chainId: CHAIN, channelId: c1, cumulative: 7n, requestHash: r1.requestHash }, clientKey), signVoucher({ chainId: CHAIN, channelId: c2, cumulative: cumulative2, requestHash: r2.requestHash }, clientKey)]
  const built = buildSettleBatch({ chainId: CHAIN, node: OPERATOR, entries: [{ receipt: r1, channelId: c1 }, { receipt: r2, channelId: c2 }], vouchers, signingKey: signer })
  return settleBatchCodec.decode(decodeTx(buildSettleBatchTx({ chainId: CHAIN, nonce: 0n, fee: 10n, msg: built }, operatorKey).bytes).body)
}

const ctx = (store: Overlay, sender: Address): TxContext => ({ store, sender, height: 9, timeMs: BigInt(T0 + 1000), events: [] })

test('a batch settles through the payments keeper, after every channel is checked, and settlement writes only its own records', async () => {
  const channels = new Map<Hex, Channel>([
    [c1, { client: CLIENT, spent: 0n, deposit: 100n }],
    [c2, { client: CLIENT, spent: 0n, deposit: 100n }],
  ])
  const { calls, server } = fakes(channels)
  const { store } = stores()
  const c = ctx(store, OPERATOR)
  await server.settleBatch(c, batch(7n))
  const order = calls.filter((x) => x.startsWith('payments.'))
  assert.deepEqual(order.map((x) => x.split(' ')[0]), ['payments.checkSettlement', 'payments.checkSettlement', 'payments.settleVoucher', 'payments.settleVoucher'])
  const written = store.sortedWrites().map(([k]) => entryOfKey(k)?.name)
  assert.ok(written.length === 3, `one batch record and two receipt index entries: ${written}`)
  assert.deepEqual([...new Set(written)].sort(), ['settlementBatch', 'settlementReceiptIndex'])
  assert.equal(c.events[0].type, 'settle_batch')
  assert.equal(c.events[0].attributes.find((a) => a.key === 'amount')?.value, '14')
})

test("a later channel's failing check leaves the batch unwritten and nothing asked of payments to move", async () => {
  const channels = new Map<Hex, Channel>([
    [c1, { client: CLIENT, spent: 0n, deposit: 100n }],
    [c2, { client: CLIENT, spent: 0n, deposit: 10n }],
  ])
  const { calls, server } = fakes(channels)
  const { store } = stores()
  await assert.rejects(server.settleBatch(ctx(store, OPERATOR), batch(20n)), { name: /voucher_overspend/ })
  assert.deepEqual(calls.filter((x) => x.startsWith('payments.settleVoucher')), [], 'no channel paid before the second was checked')
  assert.equal(store.size, 0, 'the handler wrote nothing')
})

test('evidence slashes through the registry keeper: settlement moves no stake and writes nothing itself', async () => {
  const { calls, server } = fakes(new Map())
  const { base, store } = stores()
  const settled = receipt()
  recordSettledBatch(base, { root: toHex(sha256(utf8('root'))), node: OPERATOR, count: 1, blobId: '', height: 3, amount: 7n, entries: [{ receiptId: fromHex(settled.id, 32), receiptHash: sha256(encodeReceipt(settled)) }] })
  const conflicting = signReceipt({ ...settled, responseHash: toHex(sha256(utf8('another answer'))) }, signer)
  const c = ctx(store, CLIENT)
  await server.submitEvidence(c, submitEvidenceCodec.decode(submitEvidenceCodec.encode({ receipt: conflicting, receiptBytes: encodeReceipt(conflicting) })))
  assert.deepEqual(
    calls.filter((x) => x.startsWith('registry.slash')),
    [`registry.slash ${OPERATOR} to ${CLIENT} bps 5000`],
  )
  assert.equal(store.size, 0, 'the stake pool, the client and the fee pool are the registry keeper’s to write')
  assert.deepEqual(
    c.events.map((e) => [e.type, Object.fromEntries(e.attributes.map((a) => [a.key, a.value]))]),
    [['slash', { node: OPERATOR, receipt: settled.id, stake: '5000', compensation: '2500', to: CLIENT }]],
  )
})
