import { test } from 'node:test'
import assert from 'node:assert/strict'
import { type Hex, toHex, utf8 } from '../core/bytes.ts'
import { sha256 } from '../core/hash.ts'
import { addressOf, generatePrivateKey, publicKeyOf } from '../core/keys.ts'
import { hashRequest } from '../protocol/canonicalJson.ts'
import { type Receipt, receiptToHex, receiptToJson, signReceipt } from '../protocol/receipt.ts'
import { encodeSettledBatch } from '../protocol/settledBatch.ts'
import { nodeKey, PARAMS_KEY, signingKeyIndexKey } from '../ledger/registry/keys.ts'
import { encodeNode, type NodeRecord } from '../ledger/registry/node.ts'
import { encodeRegistryParams, registryParamsFromGenesis } from '../ledger/registry/params.ts'
import { batchKey } from '../ledger/settlement/keys.ts'
import type { LedgerRpc } from './ledger/ledgerRpc.ts'
import { type AnswerChecker, InvalidAnswerError, defaultAnswerCheckers, verifyReceiptReport } from './verifyReceiptReport.ts'

const nodeKeyPriv = generatePrivateKey()
const operator = addressOf(generatePrivateKey())
const request = { model: 'mlp', inputs: { x: [1, 2] } }
const response = '{"outputs":[3]}'
const T0 = 1_760_000_000_000

function makeReceipt(key = nodeKeyPriv): Receipt {
  return signReceipt({ version: 1, id: toHex(sha256(utf8(`id-${Math.random()}`))), node: addressOf(key), model: 'mlp', mode: 'vanilla', requestHash: hashRequest(request), responseHash: toHex(sha256(utf8(response))), price: 5n, timestamp: T0 }, key)
}

function record(over: Partial<NodeRecord> = {}): NodeRecord {
  return {
    type: 'inference', signingKey: publicKeyOf(nodeKeyPriv), hpkePublicKey: new Uint8Array(), endpoint: 'http://127.0.0.1:1', payout: operator,
    capabilities: { runtimes: ['onnx'], models: ['mlp'], modes: ['vanilla'], prices: [] }, stake: 0n, tee: 'none', measurement: [], attestedAtMs: BigInt(T0 - 1000),
    evidenceHash: new Uint8Array(), registeredHeight: 3, measurementRemoved: false, unbondingEndsMs: 0n, ...over,
  }
}

/** A ledger answering from a key → value map; `settledIn` makes the receipt settled in a batch. */
function fakeLedger({ node = record() as NodeRecord | null, settled = false, light = true, receipt }: { node?: NodeRecord | null; settled?: boolean; light?: boolean; receipt: Receipt }): LedgerRpc {
  const state = new Map<string, Uint8Array>()
  state.set(toHex(PARAMS_KEY), encodeRegistryParams(registryParamsFromGenesis({ allowVanilla: true })))
  if (node) {
    state.set(toHex(signingKeyIndexKey(node.signingKey)), Buffer.from(operator.slice(2), 'hex'))
    state.set(toHex(nodeKey(operator)), encodeNode(node))
  }
  const root = toHex(sha256(utf8('batch'))) as Hex
  if (settled) state.set(toHex(batchKey(root)), encodeSettledBatch({ node: receipt.node, count: 1, blobId: '', height: 9, amount: 5n, entries: [{ receiptId: Buffer.from(receipt.id.slice(2), 'hex'), receiptHash: sha256(utf8('h')) }] }))
  return {
    lightClient: light ? { verifyLightBlockAtHeight: async () => { throw new Error('unused') } } : undefined,
    async queryProven(key: Uint8Array) {
      return { value: state.get(toHex(key)), height: 10, appHash: '0x' + 'ab'.repeat(32) }
    },
    async queryJson(path: string) {
      assert.match(path, /^\/settlement\/receipt\//)
      return settled ? { status: 'settled', batchRoot: root, index: 0 } : { status: 'pending' }
    },
  } as unknown as LedgerRpc
}

const verdicts = (r: { checks: Array<{ name: string; verdict: string }> }) => Object.fromEntries(r.checks.map((c) => [c.name, c.verdict]))

test('a settled answer from an active registered node: checks 1–4 pass, zkml is not yet possible, one line per named check', async () => {
  const receipt = makeReceipt()
  const report = await verifyReceiptReport({ receipt, request, response, ledger: fakeLedger({ settled: true, receipt }) })
  assert.deepEqual(report.checks.map((c) => c.name), defaultAnswerCheckers.map((c) => c.name))
  assert.deepEqual(verdicts(report), { receipt: 'passed', registration: 'passed', attestation: 'passed', settlement: 'passed', zkml: 'not yet possible' })
  assert.equal(report.ok, true)
  assert.equal(report.receiptId, receipt.id)
  assert.match(report.checks[0]!.detail, /request and response hashes match/)
  assert.match(report.checks[1]!.detail, /light-client verified header/)
  assert.match(report.checks[3]!.detail, /settled in batch .* proven at height 10/)
})

test('the receipt as JSON text, JSON object or wire hex gives the same report; garbage is an InvalidAnswerError', async () => {
  const receipt = makeReceipt()
  for (const input of [JSON.stringify(receiptToJson(receipt)), receiptToJson(receipt), receiptToHex(receipt)]) {
    const report = await verifyReceiptReport({ receipt: input })
    assert.equal(report.receiptId, receipt.id)
    assert.equal(report.checks[0]!.verdict, 'passed')
  }
  await assert.rejects(verifyReceiptReport({ receipt: 'nonsense' }), (e: unknown) => e instanceof InvalidAnswerError && e.code === 'invalid_answer')
})

test('a tampered receipt or a different response fails check 1 with the reason', async () => {
  const receipt = makeReceipt()
  const tampered = await verifyReceiptReport({ receipt: { ...receipt, price: 6n } })
  assert.equal(tampered.checks[0]!.verdict, 'failed')
  assert.match(tampered.checks[0]!.detail, /^signature:/)
  assert.equal(tampered.ok, false)
  const otherBody = await verifyReceiptReport({ receipt, response: '{"outputs":[4]}' })
  assert.equal(otherBody.checks[0]!.verdict, 'failed')
  assert.match(otherBody.checks[0]!.detail, /^responseHash:/)
})

test('without a ledger, checks 2–4 are not yet possible and nothing failed', async () => {
  const report = await verifyReceiptReport({ receipt: makeReceipt() })
  assert.deepEqual(verdicts(report), { receipt: 'passed', registration: 'not yet possible', attestation: 'not yet possible', settlement: 'not yet possible', zkml: 'not yet possible' })
  assert.equal(report.ok, true)
})

test('an unregistered signing key fails check 2 (and 3 cannot be done); a trusted RPC is named as such', async () => {
  const receipt = makeReceipt()
  const report = await verifyReceiptReport({ receipt, ledger: fakeLedger({ node: null, receipt, light: false }) })
  assert.equal(report.checks[1]!.verdict, 'failed')
  assert.match(report.checks[1]!.detail, /not registered .*served by the RPC, trusted/)
  assert.equal(report.checks[2]!.verdict, 'not yet possible')
  assert.equal(report.checks[3]!.verdict, 'not yet possible')
  assert.equal(report.ok, false)
})

test('a node that lapsed before the receipt fails check 2; one deregistered after it still passes', async () => {
  const receipt = makeReceipt()
  const lapsed = record({ tee: 'nitro', measurement: [new Uint8Array(48)], attestedAtMs: BigInt(T0 - 48 * 3_600_000) })
  const r1 = await verifyReceiptReport({ receipt, ledger: fakeLedger({ node: lapsed, receipt }) })
  assert.equal(r1.checks[1]!.verdict, 'failed')
  assert.match(r1.checks[1]!.detail, /lapsed at the receipt's time/)
  const later = record({ unbondingEndsMs: BigInt(T0 + 8 * 24 * 3_600_000) })
  const r2 = await verifyReceiptReport({ receipt, ledger: fakeLedger({ node: later, receipt }) })
  assert.equal(r2.checks[1]!.verdict, 'passed')
})

test('an attested node: check 3 names the TEE kind and measurements', async () => {
  const receipt = makeReceipt()
  const attested = record({ tee: 'nitro', measurement: [new Uint8Array(48).fill(7)], evidenceHash: sha256(utf8('doc')) })
  const report = await verifyReceiptReport({ receipt, ledger: fakeLedger({ node: attested, receipt }) })
  assert.equal(report.checks[2]!.verdict, 'passed')
  assert.match(report.checks[2]!.detail, /^nitro attestation accepted: measurements 0x0707/)
})

test('an unsettled receipt is not yet possible at check 4; a ledger error is a failed line, not a throw', async () => {
  const receipt = makeReceipt()
  const pending = await verifyReceiptReport({ receipt, ledger: fakeLedger({ receipt }) })
  assert.equal(pending.checks[3]!.verdict, 'not yet possible')
  assert.match(pending.checks[3]!.detail, /pending/)
  const broken = { ...fakeLedger({ receipt }), queryProven: async () => { throw new Error('proof does not match') }, queryJson: async () => { throw new Error('down') } } as unknown as LedgerRpc
  const failed = await verifyReceiptReport({ receipt, ledger: broken })
  assert.equal(failed.checks[1]!.verdict, 'failed')
  assert.match(failed.checks[1]!.detail, /proof does not match/)
  assert.equal(failed.checks[3]!.verdict, 'failed')
})

test('checkers are extensible: an added check becomes a line, and one that throws is a failed line', async () => {
  const extra: AnswerChecker = { name: 'data', title: 'data answers', run: async () => ({ verdict: 'passed', detail: 'two answers proven' }) }
  const boom: AnswerChecker = { name: 'boom', title: 'throws', run: async () => { throw new Error('bug') } }
  const report = await verifyReceiptReport({ receipt: makeReceipt(), checkers: [...defaultAnswerCheckers, extra, boom] })
  assert.deepEqual(report.checks.slice(-2), [{ name: 'data', title: 'data answers', verdict: 'passed', detail: 'two answers proven' }, { name: 'boom', title: 'throws', verdict: 'failed', detail: 'bug' }])
  assert.equal(report.ok, false)
})
