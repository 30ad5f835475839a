/**
 * The ledger under a real CometBFT v0.38 validator: transfers commit, CheckTx errors come back
 * through CometBFT's RPC, proofs verify against committed headers, and an app killed with
 * SIGKILL mid-stream is replayed by CometBFT to the same app hashes as a node that never crashed.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readKeyFile } from '../src/core/keyfile.ts'
import { addressOf, generatePrivateKey } from '../src/core/keys.ts'
import { LedgerRpc, TxRejectedError } from '../src/client/ledger/ledgerRpc.ts'
import { waitForHeight, latestHeight } from '../src/client/ledger/wait.ts'
import { prepareDevnet, RunningDevnet } from '../src/network/devnet.ts'
import { accountKey, FEE_POOL_ADDRESS } from '../src/ledger/accounts/keys.ts'
import { decodeAccount } from '../src/ledger/accounts/keeper.ts'
import { buildTransferTx } from '../src/ledger/accounts/tx.ts'
import { appInfo, genesisOf, replayAndCompare, tempHome, transferStream } from './helpers/ledger.ts'

let home: Awaited<ReturnType<typeof tempHome>>
let net: RunningDevnet
let rpc: LedgerRpc
let demoKey: Uint8Array

before(async () => {
  home = await tempHome('comet1')
  const layout = await prepareDevnet({ home: home.dir, validators: 1, basePort: 20000, timeoutCommit: '300ms' })
  net = new RunningDevnet(layout)
  await net.start()
  rpc = await LedgerRpc.connect(layout.validators[0].rpc)
  demoKey = (await readKeyFile(layout.demoKeyFile)).privateKey
})

after(async () => {
  rpc?.disconnect()
  await net?.stop()
  await home?.cleanup()
})

async function nonceOf(address: string): Promise<bigint> {
  return BigInt((await rpc.queryJson<{ nonce: string }>(`/accounts/account/${address}`)).nonce)
}

test('a transfer commits on CometBFT and its result and events are queryable', async () => {
  const to = addressOf(generatePrivateKey())
  const chainId = await rpc.chainId()
  const { bytes } = buildTransferTx({ chainId, nonce: await nonceOf(addressOf(demoKey)), fee: 10n, to, amount: 777n }, demoKey)
  const hash = await rpc.broadcast(bytes)
  const result = await rpc.waitForTx(hash)
  assert.equal(result.code, 0)
  assert.equal(result.events.find((e) => e.type === 'transfer')?.attributes.amount, '777')
  const proven = await rpc.queryProven(accountKey(to))
  assert.equal(decodeAccount(proven.value!).balance, 777n)
})

test('CheckTx errors reach the client through CometBFT with a code and a reason', async () => {
  const chainId = await rpc.chainId()
  const nonce = await nonceOf(addressOf(demoKey))
  const to = addressOf(generatePrivateKey())
  const cases: Array<[Uint8Array, RegExp]> = [
    [new TextEncoder().encode('garbage'), /not a valid RLP/],
    [buildTransferTx({ chainId: 'another-chain', nonce, fee: 10n, to, amount: 1n }, demoKey).bytes, /is for chain "another-chain"/],
    [buildTransferTx({ chainId, nonce: nonce + 5n, fee: 10n, to, amount: 1n }, demoKey).bytes, /expected/],
    [buildTransferTx({ chainId, nonce, fee: 10n, to, amount: 10n ** 30n }, demoKey).bytes, /needs/],
    [buildTransferTx({ chainId, nonce: 0n, fee: 10n, to, amount: 1n }, generatePrivateKey()).bytes, /the fee is 10/],
  ]
  const forged = new Uint8Array(buildTransferTx({ chainId, nonce, fee: 10n, to, amount: 1n }, demoKey).bytes)
  forged[forged.length - 20] ^= 0x55
  cases.push([forged, /signature/])
  for (const [tx, reason] of cases) {
    await assert.rejects(rpc.broadcast(tx), (err: unknown) => err instanceof TxRejectedError && reason.test(err.message), String(reason))
  }
  // Nothing above changed the sender.
  assert.equal(await nonceOf(addressOf(demoKey)), nonce)
})

test('SIGKILL of the app mid-stream: CometBFT replays and the chain goes on with the same app hashes', async () => {
  const chainId = await rpc.chainId()
  const demo = addressOf(demoKey)
  const to = addressOf(generatePrivateKey())
  const start = Number(await nonceOf(demo))
  const txs = transferStream({ chainId, from: demoKey, startNonce: start, count: 400, to, amount: 3n })
  const url = net.layout.validators[0].rpc
  const h0 = await latestHeight(url)
  let sent = 0
  let killed = false
  let failure: unknown
  const sender = (async () => {
    for (const tx of txs) {
      if (killed) break
      try {
        await rpc.broadcast(tx)
        sent++
      } catch (err) {
        // After the kill, broadcasts fail: that is the point. Before it, the failure is the test's.
        if (!killed) failure = err
        break
      }
    }
  })()
  await waitForHeight(url, h0 + 3, 30_000)
  // Kill once transactions are flowing: on a loaded machine the first broadcast can outlast three blocks.
  const flowing = Date.now() + 30_000
  while (sent === 0 && failure === undefined && Date.now() < flowing) await new Promise((r) => setTimeout(r, 20))
  assert.equal(failure, undefined, `a broadcast failed before the kill: ${failure}`)
  killed = true
  net.processes[0]!.app.kill('SIGKILL')
  await sender
  await net.stopValidator(0, 'SIGKILL')
  assert.ok(sent > 0, 'some transactions were sent before the kill')

  await net.startValidator(0)
  const hAfter = await waitForHeight(url, h0 + 5, 60_000)
  // Resend the rest from the committed nonce: whatever was lost from the mempool goes again.
  const resumed = Number(await nonceOf(demo))
  for (const tx of transferStream({ chainId, from: demoKey, startNonce: resumed, count: start + 400 - resumed, to, amount: 3n })) await rpc.broadcast(tx)
  const deadline = Date.now() + 60_000
  while (Number(await nonceOf(demo)) < start + 400 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
  assert.equal(Number(await nonceOf(demo)), start + 400)
  const recipient = await rpc.queryJson<{ balance: string }>(`/accounts/account/${to}`)
  assert.equal(recipient.balance, String(400 * 3))

  const top = (await latestHeight(url)) - 1
  assert.ok(top > hAfter - 1)
  const { mismatches } = await replayAndCompare(url, await genesisOf(url), top)
  assert.deepEqual(mismatches, [])
  // Supply is conserved: what left the demo account is in the recipients and the fee pool.
  const demoBal = BigInt((await rpc.queryJson<{ balance: string }>(`/accounts/account/${demo}`)).balance)
  const fees = BigInt((await rpc.queryJson<{ balance: string }>(`/accounts/account/${FEE_POOL_ADDRESS}`)).balance)
  const info = await appInfo(url)
  assert.ok(info.height >= top)
  assert.equal(demoBal + fees + 1200n + 777n, 1_000_000_000_000n)
})
