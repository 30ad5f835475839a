import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RLP } from '@ethereumjs/rlp'
import { toHex, utf8 } from '../core/bytes.ts'
import { addressOf, generatePrivateKey } from '../core/keys.ts'
import { LedgerApp } from './app.ts'
import { MemoryKv } from './state/kv.ts'
import { buildTransferTx } from './accounts/tx.ts'
import { accountKey, FEE_POOL_ADDRESS } from './accounts/keys.ts'
import { decodeAccount } from './accounts/keeper.ts'
import { verifyStateProof } from './state/verifyStateProof.ts'
import { signTx } from './tx/envelope.ts'
import { fuzzRuns } from '../core/fuzz.testing.ts'

const CHAIN = 'haca-test'
const alice = generatePrivateKey()
const bob = generatePrivateKey()
const A = addressOf(alice)
const B = addressOf(bob)

async function newApp(kv = new MemoryKv()) {
  const app = await LedgerApp.open(kv)
  const appState = { accounts: [{ address: A, balance: '1000000' }], params: { minFee: '10' } }
  await app.initChain({ chainId: CHAIN, appStateBytes: utf8(JSON.stringify(appState)), initialHeight: 1n })
  return { app, kv }
}

async function block(app: LedgerApp, height: number, txs: Uint8Array[]) {
  const res = await app.finalizeBlock({ height: BigInt(height), txs, time: { seconds: BigInt(1_700_000_000 + height), nanos: 0 } })
  await app.commit()
  return res
}

async function account(app: LedgerApp, addr: string) {
  const res = await app.query({ path: `/accounts/account/${addr}` })
  return JSON.parse(Buffer.from(res.value).toString()) as { balance: string; nonce: string }
}

const transfer = (key: Uint8Array, nonce: number, amount: bigint, extra: Partial<{ chainId: string; fee: bigint; to: `0x${string}` }> = {}) =>
  buildTransferTx({ chainId: extra.chainId ?? CHAIN, nonce: BigInt(nonce), fee: extra.fee ?? 10n, to: extra.to ?? B, amount }, key).bytes

test('a transfer moves funds, pays the fee to the fee pool, and bumps the nonce', async () => {
  const { app } = await newApp()
  const check = await app.checkTx({ tx: transfer(alice, 0, 500n) })
  assert.equal(check.code, 0, check.log)
  const res = await block(app, 1, [transfer(alice, 0, 500n)])
  assert.equal(res.txResults[0].code, 0, res.txResults[0].log)
  assert.deepEqual(await account(app, A), { address: A, balance: String(1_000_000 - 510), nonce: '1' })
  assert.equal((await account(app, B)).balance, '500')
  assert.equal((await account(app, FEE_POOL_ADDRESS)).balance, '10')
  assert.equal(res.txResults[0].events.find((e) => e.type === 'transfer')?.attributes.find((a) => a.key === 'amount')?.value, '500')
})

test('CheckTx names what is wrong: malformed, chain id, signature, nonce, funds, oversize, fee', async () => {
  const { app } = await newApp()
  const cases: Array<[string, Uint8Array, string]> = [
    ['malformed', utf8('not a tx'), 'not a valid RLP'],
    ['wrong chain', transfer(alice, 0, 1n, { chainId: 'other' }), 'is for chain "other"'],
    ['wrong nonce', transfer(alice, 5, 1n), 'nonce 5'],
    ['insufficient funds', transfer(alice, 0, 10_000_000n), 'needs 10000000'],
    ['fee payer broke', transfer(bob, 0, 1n), 'the fee is 10'],
    ['fee too low', transfer(alice, 0, 1n, { fee: 1n }), 'below the minimum'],
    ['oversize', new Uint8Array(70_000), 'limit is'],
  ]
  const sig = transfer(alice, 0, 1n)
  const forged = new Uint8Array(sig)
  forged[forged.length - 10] ^= 0xff
  cases.push(['bad signature', forged, 'signature is not by'])
  for (const [name, bytes, expected] of cases) {
    const res = await app.checkTx({ tx: bytes })
    assert.notEqual(res.code, 0, name)
    assert.ok(res.log.includes(expected), `${name}: ${res.log}`)
  }
  assert.equal((await app.checkTx({ tx: transfer(alice, 0, 1n) })).code, 0)
})

test('non-canonical encodings of a valid transaction are refused', async () => {
  const { app } = await newApp()
  const good = transfer(alice, 0, 7n)
  const items = RLP.decode(good) as Uint8Array[]
  // Same nonce with a leading zero byte: same number, second encoding.
  const withZero = RLP.encode([items[0], items[1], items[2], Uint8Array.of(0), items[4], items[5], items[6], items[7]])
  const res = await app.checkTx({ tx: withZero })
  assert.equal(res.code, 2)
  assert.match(res.log, /leading zero|canonical/)
})

test('a byte-order mark in the chain id is a different transaction, not a second encoding', async () => {
  const { app } = await newApp()
  const good = transfer(alice, 0, 7n)
  const items = RLP.decode(good) as Uint8Array[]
  const bom = RLP.encode([items[0], Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), items[1]]), ...items.slice(2)])
  const res = await app.checkTx({ tx: bom })
  assert.notEqual(res.code, 0)
  assert.equal((await app.checkTx({ tx: good })).code, 0)
})

test('CheckTx tracks pending nonces and balances between blocks', async () => {
  const { app } = await newApp()
  assert.equal((await app.checkTx({ tx: transfer(alice, 0, 1n) })).code, 0)
  assert.equal((await app.checkTx({ tx: transfer(alice, 1, 1n) })).code, 0)
  assert.equal((await app.checkTx({ tx: transfer(alice, 1, 2n) })).code, 6)
})

test('a failed message still pays its fee; invalid txs change nothing', async () => {
  const { app } = await newApp()
  const before = toHex(app.appHash)
  const res = await block(app, 1, [transfer(alice, 0, 10_000_000n), utf8('garbage')])
  assert.equal(res.txResults[0].code, 2)
  assert.equal(res.txResults[1].code, 2)
  assert.equal((await account(app, A)).balance, String(1_000_000 - 10))
  assert.equal((await account(app, A)).nonce, '1')
  assert.notEqual(toHex(app.appHash), before)
})

test('state survives reopening, and queries prove values against the app hash', async () => {
  const kv = new MemoryKv()
  const { app } = await newApp(kv)
  await block(app, 1, [transfer(alice, 0, 123n)])
  await block(app, 2, [transfer(alice, 1, 1n)])
  const reopened = await LedgerApp.open(kv)
  const info = await reopened.info()
  assert.equal(info.lastBlockHeight, 2n)
  assert.equal(toHex(info.lastBlockAppHash), toHex(app.appHash))
  const q = await reopened.query({ path: '/store', data: accountKey(B), prove: true })
  const proof = RLP.decode(q.proofOps!.ops[0].data) as Uint8Array[]
  const proven = await verifyStateProof(info.lastBlockAppHash, accountKey(B), proof)
  assert.equal(decodeAccount(proven!).balance, 124n)
  // The same proof does not prove a different value or a different root.
  const otherRoot = new Uint8Array(info.lastBlockAppHash)
  otherRoot[0] ^= 1
  await assert.rejects(verifyStateProof(otherRoot, accountKey(B), proof))
  // Absence is provable too.
  const nobody = addressOf(generatePrivateKey())
  const qa = await reopened.query({ path: '/store', data: accountKey(nobody), prove: true })
  assert.equal(await verifyStateProof(info.lastBlockAppHash, accountKey(nobody), RLP.decode(qa.proofOps!.ops[0].data) as Uint8Array[]), undefined)
})

test('the same transactions give the same app hash however they are split into blocks', async () => {
  const txs = Array.from({ length: 20 }, (_, i) => transfer(alice, i, BigInt(i + 1)))
  const { app: a } = await newApp()
  await block(a, 1, txs)
  const { app: b } = await newApp()
  for (let i = 0; i < 20; i += 5) await block(b, 1 + i / 5, txs.slice(i, i + 5))
  assert.equal(toHex(a.appHash), toHex(b.appHash))
})

test('fuzz: thousands of random and mutated transactions crash nothing and change no state', async () => {
  const runs = fuzzRuns(3_000)
  const { app } = await newApp()
  await block(app, 1, [transfer(alice, 0, 1n)])
  const hash = toHex(app.appHash)
  let seed = 12345
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
  const base = [transfer(alice, 1, 5n), signTx({ chainId: CHAIN, nonce: 1n, fee: 10n, type: 1, body: [] }, alice).bytes]
  const junk: Uint8Array[] = []
  for (let i = 0; i < runs; i++) {
    if (i % 3 === 0) {
      junk.push(new Uint8Array(Array.from({ length: Math.floor(rand() * 300) }, () => Math.floor(rand() * 256))))
    } else {
      const src = base[i % base.length]
      const m = new Uint8Array(src)
      const flips = 1 + Math.floor(rand() * 3)
      for (let f = 0; f < flips; f++) m[Math.floor(rand() * m.length)] = Math.floor(rand() * 256)
      if (Buffer.compare(m, src) !== 0) junk.push(rand() < 0.1 ? m.subarray(0, Math.floor(rand() * m.length)) : m)
    }
  }
  for (const tx of junk) {
    const res = await app.checkTx({ tx })
    assert.notEqual(res.code, 0, `accepted a mutated tx ${toHex(tx)}`)
    assert.ok(res.log.length > 0)
  }
  const res = await app.finalizeBlock({ height: 2n, txs: junk.slice(0, 500), time: { seconds: 1_700_000_002n, nanos: 0 } })
  assert.ok(res.txResults.every((r) => r.code !== 0))
  await app.commit()
  assert.equal(toHex(app.appHash), hash)
})

test('the verified-tx cache: a hit needs the same bytes; a look-alike (same length and signature) is checked in full and evicts nothing', async () => {
  const { app } = await newApp()
  const tx = transfer(alice, 0, 500n)
  const first = app.validateTx(tx)
  assert.equal(app.validateTx(Uint8Array.from(tx)), first, 'the same bytes (another array) come from the cache')
  // The amount sits in the body, before the signature: change it, keep length and signature.
  const lookAlike = Uint8Array.from(tx)
  const at = Buffer.from(tx).lastIndexOf(Buffer.from(RLP.encode(500n)))
  assert.ok(at > 0 && at < tx.length - 65)
  lookAlike[at + 2] ^= 1 // 500 → 501: still canonical, so only the signature check can refuse it
  assert.throws(() => app.validateTx(lookAlike), /signature is not by/, 'a look-alike is checked, not served from the cache')
  assert.equal(app.validateTx(tx), first, 'the cached transaction stays cached')
  const res = await block(app, 1, [tx])
  assert.equal(res.txResults[0].code, 0, res.txResults[0].log)
})
