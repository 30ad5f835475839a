import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { addressOf, generatePrivateKey } from '../../core/keys.ts'
import { LedgerApp } from '../../ledger/app.ts'
import { MemoryKv } from '../../ledger/state/kv.ts'
import { CorruptStateError, LedgerStore } from '../../ledger/state/ledger-store.ts'
import { accountKey } from '../../ledger/accounts/keys.ts'
import { buildTransferTx } from '../../ledger/accounts/tx.ts'
import { BlockStore } from './block-store.ts'
import { EmbeddedEngine } from './engine.ts'

test('transactions that do not fit a block stay in the mempool, are rechecked, and commit later', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'haca-engine-'))
  const key = generatePrivateKey()
  const app = await LedgerApp.open(new MemoryKv())
  const blocks = await BlockStore.open(join(dir, 'blocks'))
  // Room for about three transfers per block.
  const engine = new EmbeddedEngine({ app, blocks, genesis: { chainId: 'e', appState: { accounts: [{ address: addressOf(key), balance: '1000000' }] }, genesisTime: '2026-01-01T00:00:00Z' }, blockTimeMs: 10, emptyBlockMs: 50, maxBlockBytes: 600 })
  try {
    await engine.start()
    const to = addressOf(generatePrivateKey())
    for (let n = 0; n < 12; n++) {
      const res = await engine.submit(buildTransferTx({ chainId: 'e', nonce: BigInt(n), fee: 10n, to, amount: 1n }, key).bytes)
      assert.equal(res.code, 0, res.log)
    }
    const deadline = Date.now() + 10_000
    let balance = '0'
    while (Date.now() < deadline) {
      balance = JSON.parse(Buffer.from((await app.query({ path: `/accounts/account/${to}` })).value).toString()).balance
      if (balance === '12') break
      await new Promise((r) => setTimeout(r, 50))
    }
    assert.equal(balance, '12')
    let multi = 0
    for (let h = 1; h <= blocks.height; h++) if (((await blocks.get(h))?.txs.length ?? 0) > 0) multi++
    assert.ok(multi >= 3, `the transfers were spread over ${multi} blocks`)
  } finally {
    await engine.stop()
    await blocks.close()
    await rm(dir, { recursive: true, force: true })
  }
})

test('a CheckTx that finds corrupt state stops the engine (onFatal) instead of refusing the transaction', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'haca-engine-'))
  const key = generatePrivateKey()
  const kv = new MemoryKv()
  const genesis = { chainId: 'e', appState: { accounts: [{ address: addressOf(key), balance: '1000000' }] }, genesisTime: '2026-01-01T00:00:00Z' }
  const blocks = await BlockStore.open(join(dir, 'blocks'))
  const first = new EmbeddedEngine({ app: await LedgerApp.open(kv), blocks, genesis, emptyBlockMs: 60_000 })
  try {
    await first.start()
    await first.stop()
    // The sender's account record, damaged on disk.
    const store = await LedgerStore.open(kv)
    await store.apply([[accountKey(addressOf(key)), Uint8Array.of(0xc1, 0x80)]])
    await store.commit(store.committed.height, store.committed.timeMs)
    const fatal: unknown[] = []
    const engine = new EmbeddedEngine({ app: await LedgerApp.open(kv), blocks, genesis, emptyBlockMs: 60_000, onFatal: (err) => fatal.push(err) })
    await engine.start()
    const tx = buildTransferTx({ chainId: 'e', nonce: 0n, fee: 10n, to: addressOf(generatePrivateKey()), amount: 1n }, key).bytes
    await assert.rejects(engine.submit(tx), (err: Error) => err instanceof CorruptStateError && /accounts module's account under key/.test(err.message))
    assert.equal(fatal.length, 1)
    await engine.stop()
  } finally {
    await blocks.close()
    await rm(dir, { recursive: true, force: true })
  }
})
