/**
 * bench/settlement-ledger: the ledger's own cost per settled receipt, in-process on LevelDB (no
 * CometBFT, no worker): CheckTx, FinalizeBlock and Commit of settle_batch transactions, timed
 * apart, next to a transfer block's cost in the same run as the baseline.
 *
 * Usage: node --import tsx bench/settlement-ledger.ts [--batch 5000] [--batches 4] [--per-block 1]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { Hex } from '../src/core/bytes.ts'
import { toHex, utf8 } from '../src/core/bytes.ts'
import { sha256 } from '../src/core/hash.ts'
import { addressOf, generatePrivateKey, publicKeyOf } from '../src/core/keys.ts'
import { LevelKv } from '../src/consensus/leveldb-kv.ts'
import { signReceipt } from '../src/protocol/receipt.ts'
import { LedgerApp } from '../src/ledger/app.ts'
import { channelIdOf } from '../src/protocol/channelId.ts'
import { buildOpenChannelTx } from '../src/ledger/payments/tx.ts'
import { signVoucher } from '../src/protocol/voucher.ts'
import { buildRegisterTx, signKeyProof } from '../src/ledger/registry/tx.ts'
import { buildSettleBatch, buildSettleBatchTx } from '../src/ledger/settlement/tx.ts'

const { values } = parseArgs({ options: { batch: { type: 'string', default: '5000' }, batches: { type: 'string', default: '4' }, 'per-block': { type: 'string', default: '1' } } })
const BATCH = Number(values.batch)
const BATCHES = Number(values.batches)
const PER_BLOCK = Number(values['per-block'])
const CHAIN = 'bench-settle'
const T0 = 1_800_000_000_000n

const nodeKey = generatePrivateKey()
const NODE = addressOf(nodeKey)
const clientKey = generatePrivateKey()
const CLIENT = addressOf(clientKey)

const dir = await mkdtemp(join(tmpdir(), 'haca-bench-settle-ledger-'))
const kv = await LevelKv.open(dir)
const app = await LedgerApp.open(kv)
const appState = {
  params: { minFee: '10', maxTxBytes: 8 * 1024 * 1024 },
  accounts: [NODE, CLIENT].map((address) => ({ address, balance: '1000000000000' })),
  registry: { governance: CLIENT, trustedRoots: [], measurements: {}, maxAttestationAgeMs: '3600000', minStake: '100', unbondingPeriodMs: '60000', allowVanilla: true, recentBlockHashes: 5 },
  payments: { feeBps: '100', challengePeriodMs: '3600000' },
}
await app.initChain({ chainId: CHAIN, appStateBytes: utf8(JSON.stringify(appState)), initialHeight: 1n })
let height = 0
let timeMs = T0
const nonces = new Map<string, bigint>()
async function block(txs: Uint8Array[]) {
  timeMs += 1000n
  const f = performance.now()
  const res = await app.finalizeBlock({ height: BigInt(++height), txs, time: { seconds: timeMs / 1000n, nanos: 0 } })
  const c = performance.now()
  await app.commit()
  const end = performance.now()
  for (const r of res.txResults) if (r.code !== 0) throw new Error(`tx failed: ${r.log}`)
  return { finalizeMs: c - f, commitMs: end - c }
}
function next(key: Uint8Array) {
  const a = addressOf(key)
  const n = nonces.get(a) ?? 0n
  nonces.set(a, n + 1n)
  return { chainId: CHAIN, nonce: n, fee: 10n }
}
await block([buildRegisterTx({ ...next(nodeKey), msg: { nodeType: 'inference', evidence: { kind: 'none' }, signingKey: publicKeyOf(nodeKey), endpoint: 'http://127.0.0.1:1', payout: NODE, capabilities: { runtimes: ['onnx'], models: ['m'], modes: ['vanilla'], prices: [{ item: 'm', amount: 3n }] }, stake: 100n, nonceHeight: 0, keyProof: signKeyProof(NODE, nodeKey) } }, nodeKey).bytes])
const channelNonce = nonces.get(CLIENT) ?? 0n
await block([buildOpenChannelTx({ ...next(clientKey), node: NODE, amount: 10n ** 11n }, clientKey).bytes])
const channelId: Hex = channelIdOf(CLIENT, NODE, channelNonce)

let counter = 0
let cumulative = 0n
function batchTx(): Uint8Array {
  const entries = []
  let requestHash: Hex = '0x'
  for (let i = 0; i < BATCH; i++) {
    counter++
    requestHash = toHex(sha256(utf8(`q${counter}`)))
    const receipt = signReceipt({ version: 1, id: toHex(sha256(utf8(`r${counter}`))), node: NODE, model: 'm', mode: 'vanilla', requestHash, responseHash: toHex(sha256(utf8(`a${counter}`))), price: 3n, timestamp: Number(T0) + 500 }, nodeKey, { keyAddress: NODE })
    entries.push({ receipt, channelId })
  }
  cumulative += 3n * BigInt(BATCH)
  const voucher = signVoucher({ chainId: CHAIN, channelId, cumulative, requestHash }, clientKey)
  const msg = buildSettleBatch({ chainId: CHAIN, node: NODE, entries, vouchers: [voucher], signingKey: nodeKey })
  return buildSettleBatchTx({ ...next(nodeKey), msg }, nodeKey).bytes
}

const txs = Array.from({ length: BATCHES }, () => batchTx())
console.log(`settle_batch tx: ${BATCH} receipts, ${(txs[0].length / 1024).toFixed(0)} KiB (${(txs[0].length / BATCH).toFixed(0)} B a receipt)`)
let check = 0
let finalize = 0
let commit = 0
for (let b = 0; b < BATCHES; b += PER_BLOCK) {
  const group = txs.slice(b, b + PER_BLOCK)
  const t = performance.now()
  for (const tx of group) {
    const r = await app.checkTx({ tx })
    if (r.code !== 0) throw new Error(`CheckTx: ${r.log}`)
  }
  check += performance.now() - t
  const m = await block(group)
  finalize += m.finalizeMs
  commit += m.commitMs
}
const n = BATCH * BATCHES
const us = (ms: number) => ((ms / n) * 1000).toFixed(1)
console.log(`per receipt: CheckTx ${us(check)} µs, FinalizeBlock ${us(finalize)} µs, Commit ${us(commit)} µs, total ${us(check + finalize + commit)} µs (${Math.round(n / ((check + finalize + commit) / 1000))} receipts/s on one core)`)
await kv.close()
await rm(dir, { recursive: true, force: true })
