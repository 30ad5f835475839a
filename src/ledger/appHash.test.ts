/**
 * Pins the ledger's behaviour for a fixed history through every module: the app hash after
 * each block and every transaction's result (code, codespace, log, events). Keys, times and
 * receipts are fixed and secp256k1 signatures are deterministic (RFC 6979), so a change here
 * is a change of consensus: refactors of the modules must leave both digests as they are.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Hex } from '../core/bytes.ts'
import { toHex, utf8 } from '../core/bytes.ts'
import { sha256 } from '../core/hash.ts'
import { addressOf, publicKeyOf } from '../core/keys.ts'
import { type Receipt, signReceipt } from '../protocol/receipt.ts'
import { buildTransferTx } from './accounts/tx.ts'
import { LedgerApp } from './app.ts'
import { canonicalIoSchema } from './models/msgs.ts'
import { buildRegisterModelTx } from './models/tx.ts'
import { channelIdOf } from '../protocol/channelId.ts'
import { buildCloseChannelTx, buildOpenChannelTx, buildTopUpTx, buildWithdrawChannelTx } from './payments/tx.ts'
import { signVoucher } from '../protocol/voucher.ts'
import { buildDeregisterTx, buildRegisterTx, buildSetMeasurementsTx, buildWithdrawTx, signKeyProof } from './registry/tx.ts'
import { buildEvidenceTx, buildSettleBatch, buildSettleBatchTx } from './settlement/tx.ts'
import { MemoryKv } from './state/kv.ts'

const CHAIN = 'golden'
const T0 = 1_800_000_000_000n
const key = (name: string) => sha256(utf8(`haca golden key ${name}`))
const [gov, operator, nodeSigner, client, other] = ['gov', 'operator', 'node-signer', 'client', 'other'].map(key) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array]
const OPERATOR = addressOf(operator)
const CLIENT = addressOf(client)
const PAYOUT = addressOf(key('payout'))

type Env = { chainId: string; nonce: bigint; fee: bigint }

class Chain {
  height = 0
  timeMs = T0
  readonly nonces = new Map<string, bigint>()
  /** One line per block: its app hash and each transaction's result. */
  readonly transcript: string[] = []
  constructor(readonly app: LedgerApp) {}

  env(k: Uint8Array): Env {
    const a = addressOf(k)
    const nonce = this.nonces.get(a) ?? 0n
    this.nonces.set(a, nonce + 1n)
    return { chainId: CHAIN, nonce, fee: 10n }
  }

  async block(txs: Uint8Array[], stepMs = 1000n) {
    this.height++
    this.timeMs += stepMs
    const res = await this.app.finalizeBlock({ height: BigInt(this.height), txs, time: { seconds: this.timeMs / 1000n, nanos: 0 }, hash: sha256(utf8(`block ${this.height}`)) })
    await this.app.commit()
    const results = res.txResults.map((r) => ({ code: r.code, codespace: r.codespace, log: r.log, events: r.events.map((e) => [e.type, e.attributes.map((a) => [a.key, a.value, a.index])]) }))
    this.transcript.push(JSON.stringify({ height: this.height, appHash: toHex(res.appHash), results }))
    return res.txResults
  }
}

function receipt(n: number, over: Partial<Receipt> = {}): Receipt {
  return signReceipt(
    {
      version: 1,
      id: toHex(sha256(utf8(`r${n}`))),
      node: addressOf(nodeSigner),
      model: 'm',
      mode: 'vanilla',
      requestHash: toHex(sha256(utf8(`q${n}`))),
      responseHash: toHex(sha256(utf8(`a${n}`))),
      price: 7n,
      timestamp: Number(T0) + 500,
      ...over,
    },
    nodeSigner,
  )
}

async function history(): Promise<Chain> {
  const app = await LedgerApp.open(new MemoryKv())
  const appState = {
    accounts: [gov, operator, client, other].map((k) => ({ address: addressOf(k), balance: '1000000' })),
    registry: { governance: addressOf(gov), trustedRoots: [], measurements: {}, maxAttestationAgeMs: '3600000', minStake: '1000', unbondingPeriodMs: '60000', allowVanilla: true, recentBlockHashes: 5 },
    payments: { feeBps: '250', challengePeriodMs: '60000' },
    settlement: { slashCompensationBps: 4000 },
  }
  await app.initChain({ chainId: CHAIN, appStateBytes: utf8(JSON.stringify(appState)), initialHeight: 1n })
  const c = new Chain(app)
  c.transcript.push(JSON.stringify({ genesis: toHex(app.appHash) }))
  const io = canonicalIoSchema({ inputs: [{ name: 'x', elementType: 'float32', shape: [1, 4] }], outputs: [{ name: 'y', elementType: 'float32', shape: [1] }] })
  const model = { name: 'golden-model', version: '1', manifestBlobId: 'A'.repeat(43), sha256: toHex(sha256(utf8('weights'))) as Hex, size: 1234n, format: 'onnx' as const, io, modes: ['vanilla' as const], price: 7n }
  const register = (stake: bigint) =>
    buildRegisterTx(
      {
        ...c.env(operator),
        msg: {
          nodeType: 'inference',
          evidence: { kind: 'none' },
          signingKey: publicKeyOf(nodeSigner),
          endpoint: 'http://127.0.0.1:1',
          payout: PAYOUT,
          capabilities: { runtimes: ['onnx'], models: ['m'], modes: ['vanilla'], prices: [{ item: 'm', amount: 7n }] },
          stake,
          nonceHeight: 0,
          keyProof: signKeyProof(OPERATOR, nodeSigner),
        },
      },
      operator,
    ).bytes

  // accounts and models, with refusals (insufficient funds, a version registered twice).
  await c.block([
    buildTransferTx({ ...c.env(client), to: addressOf(other), amount: 123n }, client).bytes,
    buildTransferTx({ ...c.env(other), to: CLIENT, amount: 10_000_000n }, other).bytes,
    buildRegisterModelTx({ ...c.env(gov), model }, gov).bytes,
  ])
  await c.block([buildRegisterModelTx({ ...c.env(gov), model }, gov).bytes])
  // registry: too little stake, then a vanilla node; measurements set by governance and by someone else.
  await c.block([register(999n)])
  await c.block([register(5000n), buildSetMeasurementsTx({ ...c.env(gov), msg: { nodeType: 'inference', measurements: { nitro: [], tdx: [] } } }, gov).bytes])
  await c.block([buildSetMeasurementsTx({ ...c.env(other), msg: { nodeType: 'inference', measurements: { nitro: [], tdx: [] } } }, other).bytes])
  // payments: open, top up, a second channel closed and withdrawn after its challenge period.
  const channelId = channelIdOf(CLIENT, OPERATOR, c.nonces.get(CLIENT) ?? 0n)
  await c.block([buildOpenChannelTx({ ...c.env(client), node: OPERATOR, amount: 1000n }, client).bytes])
  const second = channelIdOf(CLIENT, OPERATOR, c.nonces.get(CLIENT) ?? 0n)
  await c.block([buildOpenChannelTx({ ...c.env(client), node: OPERATOR, amount: 300n }, client).bytes, buildTopUpTx({ ...c.env(client), channelId, amount: 50n }, client).bytes])
  await c.block([buildCloseChannelTx({ ...c.env(client), channelId: second }, client).bytes, buildWithdrawChannelTx({ ...c.env(client), channelId: second }, client).bytes])
  await c.block([buildWithdrawChannelTx({ ...c.env(client), channelId: second }, client).bytes], 61_000n)
  // settlement: a batch, a replayed receipt, evidence with the same contents, then a conflicting receipt that slashes.
  const receipts = [receipt(1), receipt(2), receipt(3)]
  const voucher = signVoucher({ chainId: CHAIN, channelId, cumulative: 21n, requestHash: receipts[2].requestHash }, client)
  const batch = buildSettleBatch({ chainId: CHAIN, node: OPERATOR, entries: receipts.map((r) => ({ receipt: r, channelId })), vouchers: [voucher], signingKey: nodeSigner })
  await c.block([buildSettleBatchTx({ ...c.env(operator), msg: batch }, operator).bytes])
  const replay = buildSettleBatch({ chainId: CHAIN, node: OPERATOR, entries: [{ receipt: receipts[0], channelId }], vouchers: [signVoucher({ chainId: CHAIN, channelId, cumulative: 28n, requestHash: receipts[0].requestHash }, client)], signingKey: nodeSigner })
  await c.block([buildSettleBatchTx({ ...c.env(operator), msg: replay }, operator).bytes, buildEvidenceTx({ ...c.env(client), receipt: receipts[1] }, client).bytes])
  const conflicting = signReceipt({ ...receipts[1], responseHash: toHex(sha256(utf8('another answer'))) }, nodeSigner)
  await c.block([buildEvidenceTx({ ...c.env(client), receipt: conflicting }, client).bytes])
  // registry: a second node deregisters and withdraws its stake after unbonding.
  const second2 = key('operator-2')
  await c.block([buildTransferTx({ ...c.env(other), to: addressOf(second2), amount: 10_000n }, other).bytes])
  const signer2 = key('node-signer-2')
  await c.block([
    buildRegisterTx(
      {
        ...c.env(second2),
        msg: {
          nodeType: 'inference',
          evidence: { kind: 'none' },
          signingKey: publicKeyOf(signer2),
          endpoint: 'http://127.0.0.1:2',
          payout: addressOf(second2),
          capabilities: { runtimes: ['onnx'], models: [], modes: ['vanilla'], prices: [] },
          stake: 2000n,
          nonceHeight: 0,
          keyProof: signKeyProof(addressOf(second2), signer2),
        },
      },
      second2,
    ).bytes,
  ])
  await c.block([buildDeregisterTx(c.env(second2), second2).bytes, buildWithdrawTx(c.env(second2), second2).bytes])
  await c.block([buildWithdrawTx(c.env(second2), second2).bytes], 61_000n)
  await c.block([])
  return c
}

// Recorded on the ledger before its modules were put behind expected keepers (issue 13).
const GOLDEN = {
  appHash: '0x7797c24b071907a819bfb2acffb5ccd98b36f1f5ca958fa3c854165beb77d84b',
  transcript: '0x30b10d5cbdb5d76c9c29ed3d4c9761a7066ffd703ca88467c890aebfa8078e69',
}

test('a fixed history through every module gives the pinned app hashes and results', async () => {
  const c = await history()
  const transcript = toHex(sha256(utf8(c.transcript.join('\n'))))
  if (process.env.HACA_PRINT_GOLDEN) console.log(c.transcript.join('\n'), '\n', { appHash: toHex(c.app.appHash), transcript })
  // The history must exercise what it claims to: successes and refusals in every module.
  const codes = c.transcript.slice(1).flatMap((line) => (JSON.parse(line) as { results: Array<{ code: number; codespace: string }> }).results.map((r) => `${r.codespace}:${r.code}`))
  for (const expected of ['accounts:2', 'models:3', 'registry:7', 'registry:4', 'payments:6', 'settlement:5', 'settlement:9', 'registry:11']) assert.ok(codes.includes(expected), `the history has a ${expected} refusal (${codes.join(' ')})`)
  assert.ok(codes.filter((x) => x === ':0').length >= 12, `successes: ${codes.join(' ')}`)
  assert.equal(toHex(c.app.appHash), GOLDEN.appHash)
  assert.equal(transcript, GOLDEN.transcript)
})
