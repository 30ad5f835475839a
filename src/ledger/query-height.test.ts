import { test } from 'node:test'
import assert from 'node:assert/strict'
import { utf8 } from '../core/bytes.ts'
import { addressOf, generatePrivateKey } from '../core/keys.ts'
import { LedgerApp, QUERY_HEIGHT_NOT_AVAILABLE, QUERY_INVALID_HEIGHT } from './app.ts'
import { MemoryKv } from './state/kv.ts'
import { buildTransferTx } from './accounts/tx.ts'
import { accountKey } from './accounts/keys.ts'
import { verifyStateProof } from './state/verifyStateProof.ts'

const CHAIN = 'haca-query-height'
const alice = generatePrivateKey()
const A = addressOf(alice)
const B = addressOf(generatePrivateKey())

/** A chain of three blocks; block h sends h units to B, so B's balance names the height it was read at. */
async function threeBlocks(kv = new MemoryKv()) {
  const app = await LedgerApp.open(kv)
  await app.initChain({ chainId: CHAIN, appStateBytes: utf8(JSON.stringify({ accounts: [{ address: A, balance: '1000000' }], params: { minFee: '10' } })), initialHeight: 1n })
  const roots: Uint8Array[] = []
  for (let h = 1; h <= 3; h++) {
    const tx = buildTransferTx({ chainId: CHAIN, nonce: BigInt(h - 1), fee: 10n, to: B, amount: BigInt(h) }, alice).bytes
    const res = await app.finalizeBlock({ height: BigInt(h), txs: [tx], time: { seconds: BigInt(1_700_000_000 + h), nanos: 0 } })
    assert.equal(res.txResults[0].code, 0, res.txResults[0].log)
    await app.commit()
    roots.push(app.appHash)
  }
  return { app, kv, roots }
}

const balanceOf = (value: Uint8Array) => (JSON.parse(Buffer.from(value).toString()) as { balance: string }).balance

test('a query above the latest height is refused with a code and a log that names both heights', async () => {
  const { app } = await threeBlocks()
  const res = await app.query({ path: `/accounts/account/${B}`, height: 120n })
  assert.equal(res.code, QUERY_HEIGHT_NOT_AVAILABLE)
  assert.equal(res.codespace, 'query')
  assert.equal(res.log, 'height 120 is not available: latest is 3')
  assert.equal(res.value.length, 0)
  // Proven reads too: no proof against some other height's root.
  const proven = await app.query({ path: '/store', data: accountKey(B), prove: true, height: 4n })
  assert.equal(proven.code, QUERY_HEIGHT_NOT_AVAILABLE)
  assert.equal(proven.proofOps, undefined)
})

test('height 0 (and none) means the latest; a negative height is refused', async () => {
  const { app } = await threeBlocks()
  for (const height of [undefined, 0n, 3n]) {
    const res = await app.query({ path: `/accounts/account/${B}`, height })
    assert.equal(res.code, 0, res.log)
    assert.equal(res.height, 3n)
    assert.equal(balanceOf(res.value), String(1 + 2 + 3))
  }
  const negative = await app.query({ path: '/params', height: -1n })
  assert.equal(negative.code, QUERY_INVALID_HEIGHT)
  assert.match(negative.log, /^height -1 is not valid: heights are positive \(0 means the latest, 3\)$/)
})

test('an earlier height answers the state of that height, with a proof against its own root', async () => {
  const { app, roots } = await threeBlocks()
  for (const h of [1, 2]) {
    const res = await app.query({ path: `/accounts/account/${B}`, height: BigInt(h) })
    assert.equal(res.code, 0, res.log)
    assert.equal(res.height, BigInt(h))
    assert.equal(balanceOf(res.value), String((h * (h + 1)) / 2))
  }
  const proven = await app.query({ path: '/store', data: accountKey(B), prove: true, height: 1n })
  assert.equal(proven.code, 0, proven.log)
  assert.equal(proven.height, 1n)
  const { RLP } = await import('@ethereumjs/rlp')
  const nodes = RLP.decode(proven.proofOps!.ops[0].data) as Uint8Array[]
  const value = await verifyStateProof(roots[0], accountKey(B), nodes)
  assert.deepEqual(value, proven.value)
  await assert.rejects(verifyStateProof(roots[2], accountKey(B), nodes))
})

test('a height committed before roots were recorded is refused, not answered from the latest state', async () => {
  const { kv } = await threeBlocks()
  kv.map.delete('r:1')
  const reopened = await LedgerApp.open(kv)
  const res = await reopened.query({ path: `/accounts/account/${B}`, height: 1n })
  assert.equal(res.code, QUERY_HEIGHT_NOT_AVAILABLE)
  assert.equal(res.log, 'height 1 is not available: this node has no state recorded for it (latest is 3)')
  assert.equal((await reopened.query({ path: `/accounts/account/${B}`, height: 2n })).code, 0)
})
