import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Request, Response } from 'cosmjs-types/tendermint/abci/types'
import { fromHex, toHex, utf8 } from '../core/bytes.ts'
import { sha256 } from '../core/hash.ts'
import { addressOf, publicKeyOf } from '../core/keys.ts'
import { AbciServer } from '../consensus/abci/server.ts'
import { FrameReader, frame } from '../consensus/abci/framing.ts'
import { buildTransferTx } from './accounts/tx.ts'
import { accountKey } from './accounts/keys.ts'
import { LedgerApp } from './app.ts'
import { channelKey } from './payments/keys.ts'
import { channelIdOf } from '../protocol/channelId.ts'
import { buildOpenChannelTx, buildTopUpTx } from './payments/tx.ts'
import { nodeKey } from './registry/keys.ts'
import { buildRegisterTx, signKeyProof } from './registry/tx.ts'
import { CorruptRecordError } from './state/corruptState.ts'
import { MemoryKv } from './state/kv.ts'
import { CorruptStateError, LedgerStore } from './state/ledger-store.ts'

const CHAIN = 'corrupt-test'
const alice = sha256(utf8('corrupt alice'))
const bob = sha256(utf8('corrupt bob'))
const A = addressOf(alice)
const B = addressOf(bob)
/** RLP of a 3-item list where a 2-item account record is expected, and bytes that are not RLP at all. */
const GARBAGE = [Uint8Array.of(0xc3, 0x01, 0x02, 0x03), Uint8Array.of(0xff, 0x00, 0x13)]

async function chain() {
  const kv = new MemoryKv()
  const app = await LedgerApp.open(kv)
  const appState = { accounts: [A, B].map((address) => ({ address, balance: '1000000' })), registry: { allowVanilla: true, minStake: '0' } }
  await app.initChain({ chainId: CHAIN, appStateBytes: utf8(JSON.stringify(appState)), initialHeight: 1n })
  let height = 0
  const block = async (txs: Uint8Array[]) => {
    const res = await app.finalizeBlock({ height: BigInt(++height), txs, time: { seconds: 1_800_000_000n + BigInt(height), nanos: 0 } })
    await app.commit()
    return res.txResults
  }
  const open = (await block([buildOpenChannelTx({ chainId: CHAIN, nonce: 0n, fee: 10n, node: B, amount: 500n }, alice).bytes]))[0]
  assert.equal(open.code, 0, open.log)
  return { kv, app, block, height: () => height, channelId: channelIdOf(A, B, 0n) }
}

/** Writes `value` under the state key `key` as a committed block would, then opens the app again on that state. */
async function corrupt(kv: MemoryKv, height: number, key: Uint8Array, value: Uint8Array): Promise<LedgerApp> {
  const store = await LedgerStore.open(kv)
  await store.apply([[key, value]])
  await store.commit(height, store.committed.timeMs)
  return LedgerApp.open(kv)
}

const isCorrupt = (module: string, key: Uint8Array) => (err: unknown) => {
  assert.ok(err instanceof CorruptRecordError, `expected a CorruptRecordError, got ${String(err)}`)
  assert.ok(err instanceof CorruptStateError)
  assert.equal(err.code, 'corrupt_state')
  assert.equal(err.module, module)
  assert.equal(err.key, toHex(key))
  assert.match(err.message, new RegExp(`stored ledger state is corrupt: the ${module} module's .* under key ${toHex(key)} does not decode`))
  return true
}

test('a corrupt record a handler reads stops FinalizeBlock and CheckTx with CorruptStateError, never a refusal', async () => {
  for (const garbage of GARBAGE) {
    const c = await chain()
    const key = channelKey(fromHex(c.channelId, 32))
    const app = await corrupt(c.kv, c.height(), key, garbage)
    const before = toHex(app.appHash)
    const topUp = buildTopUpTx({ chainId: CHAIN, nonce: 1n, fee: 10n, channelId: c.channelId, amount: 5n }, alice).bytes
    await assert.rejects(app.checkTx({ tx: topUp }), isCorrupt('payments', key))
    await assert.rejects(app.finalizeBlock({ height: BigInt(c.height() + 1), txs: [topUp], time: { seconds: 1_900_000_000n, nanos: 0 } }), isCorrupt('payments', key))
    // Nothing of the block was applied: the node stops on the last committed state.
    assert.equal(toHex(app.appHash), before)
    assert.equal(app.height, c.height())
  }
})

test('corrupt records read by the ante handler and by the registry stop the node too', async () => {
  const c = await chain()
  const transfer = buildTransferTx({ chainId: CHAIN, nonce: 0n, fee: 10n, to: A, amount: 1n }, bob).bytes
  const app = await corrupt(c.kv, c.height(), accountKey(B), GARBAGE[0])
  await assert.rejects(app.checkTx({ tx: transfer }), isCorrupt('accounts', accountKey(B)))

  const d = await chain()
  const signer = sha256(utf8('corrupt signer'))
  const register = buildRegisterTx(
    {
      chainId: CHAIN,
      nonce: 0n,
      fee: 10n,
      msg: { nodeType: 'inference', evidence: { kind: 'none' }, signingKey: publicKeyOf(signer), endpoint: 'http://127.0.0.1:1', payout: B, capabilities: { runtimes: [], models: [], modes: [], prices: [] }, stake: 0n, nonceHeight: 0, keyProof: signKeyProof(B, signer) },
    },
    bob,
  ).bytes
  const app2 = await corrupt(d.kv, d.height(), nodeKey(B), GARBAGE[1])
  await assert.rejects(app2.finalizeBlock({ height: BigInt(d.height() + 1), txs: [register], time: { seconds: 1_900_000_000n, nanos: 0 } }), isCorrupt('registry', nodeKey(B)))
})

test('the ABCI server answers a corrupt-state CheckTx with an exception and calls onFatal, not with a result code', async () => {
  const c = await chain()
  const key = channelKey(fromHex(c.channelId, 32))
  const app = await corrupt(c.kv, c.height(), key, GARBAGE[0])
  const dir = mkdtempSync(join(tmpdir(), 'haca-corrupt-'))
  const fatal: unknown[] = []
  const server = new AbciServer({ app, address: `unix://${join(dir, 'abci.sock')}`, onFatal: (err) => fatal.push(err) })
  await server.listen()
  try {
    const socket = connect(join(dir, 'abci.sock'))
    const reader = new FrameReader()
    const responses: Response[] = []
    const done = new Promise<void>((resolve) => {
      socket.on('data', (chunk) => {
        for (const f of reader.push(chunk)) responses.push(Response.decode(f))
        if (responses.some((r) => r.flush)) resolve()
      })
    })
    const topUp = buildTopUpTx({ chainId: CHAIN, nonce: 1n, fee: 10n, channelId: c.channelId, amount: 5n }, alice).bytes
    socket.write(frame(Request.encode(Request.fromPartial({ checkTx: { tx: topUp, type: 0 } })).finish()))
    socket.write(frame(Request.encode(Request.fromPartial({ flush: {} })).finish()))
    await done
    socket.destroy()
    assert.equal(responses[0].checkTx, undefined, 'no CheckTx answer (a code would refuse the tx and keep the node running)')
    assert.match(responses[0].exception?.error ?? '', new RegExp(`payments module's channel under key ${toHex(key)} does not decode`))
    assert.equal(fatal.length, 1)
    assert.ok(fatal[0] instanceof CorruptStateError)
  } finally {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
