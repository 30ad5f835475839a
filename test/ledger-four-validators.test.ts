/**
 * Four CometBFT validators, each with its own ledger process: transfers commit; one validator
 * is killed and the other three go on; restarted, it catches up to the same app hash.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readKeyFile } from '../src/core/keyfile.ts'
import { addressOf, generatePrivateKey } from '../src/core/keys.ts'
import { LedgerRpc } from '../src/client/ledger/ledgerRpc.ts'
import { latestHeight, waitForHeight } from '../src/client/ledger/wait.ts'
import { prepareDevnet, RunningDevnet } from '../src/network/devnet.ts'
import { appInfo, fetchBlock, tempHome, transferStream } from './helpers/ledger.ts'

let home: Awaited<ReturnType<typeof tempHome>>
let net: RunningDevnet

before(async () => {
  home = await tempHome('comet4')
  net = new RunningDevnet(await prepareDevnet({ home: home.dir, validators: 4, basePort: 20200, timeoutCommit: '300ms' }))
  await net.start()
})

after(async () => {
  await net?.stop()
  await home?.cleanup()
})

async function sendAndWait(rpc: LedgerRpc, txs: Uint8Array[]): Promise<void> {
  let last = ''
  for (const tx of txs) last = await rpc.broadcast(tx)
  const r = await rpc.waitForTx(last, 60_000)
  assert.equal(r.code, 0, r.log)
}

test('four validators: commit, lose one, go on, and the lost one catches up to the same app hash', async () => {
  const [v0, , , v3] = net.layout.validators
  const rpc0 = await LedgerRpc.connect(v0.rpc)
  try {
    const chainId = await rpc0.chainId()
    const demo = (await readKeyFile(net.layout.demoKeyFile)).privateKey
    const to = addressOf(generatePrivateKey())
    await sendAndWait(rpc0, transferStream({ chainId, from: demo, startNonce: 0, count: 20, to, amount: 5n }))
    // All four are at the same state: the same block has the same app hash everywhere.
    const h = await latestHeight(v0.rpc)
    await Promise.all(net.layout.validators.map((v) => waitForHeight(v.rpc, h, 30_000)))
    const hashes = await Promise.all(net.layout.validators.map((v) => fetchBlock(v.rpc, h).then((b) => b.appHash)))
    assert.equal(new Set(hashes).size, 1)

    await net.stopValidator(3, 'SIGKILL')
    const hDown = await latestHeight(v0.rpc)
    await sendAndWait(rpc0, transferStream({ chainId, from: demo, startNonce: 20, count: 20, to, amount: 5n }))
    const hLater = await waitForHeight(v0.rpc, hDown + 3, 30_000)
    assert.ok(hLater >= hDown + 3, 'three validators (75% of the power) keep making blocks')
    assert.equal((await rpc0.queryJson<{ balance: string }>(`/accounts/account/${to}`)).balance, '200')

    await net.startValidator(3)
    const target = await latestHeight(v0.rpc)
    await waitForHeight(v3.rpc, target, 60_000)
    const [b0, b3] = await Promise.all([fetchBlock(v0.rpc, target), fetchBlock(v3.rpc, target)])
    assert.equal(b3.appHash, b0.appHash)
    const [i0, i3] = await Promise.all([appInfo(v0.rpc), appInfo(v3.rpc)])
    if (i0.height === i3.height) assert.equal(i3.appHash, i0.appHash)
    const rpc3 = await LedgerRpc.connect(v3.rpc)
    assert.equal((await rpc3.queryJson<{ balance: string }>(`/accounts/account/${to}`)).balance, '200')
    rpc3.disconnect()
  } finally {
    rpc0.disconnect()
  }
})
