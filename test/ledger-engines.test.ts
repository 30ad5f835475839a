/**
 * One application, two engines: the same transactions through the embedded engine and through
 * a CometBFT validator give the same app hash.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { addressOf, generatePrivateKey } from '../src/core/keys.ts'
import { LedgerRpc } from '../src/client/ledger/ledgerRpc.ts'
import { prepareDevnet, RunningDevnet } from '../src/network/devnet.ts'
import { startDev } from '../src/network/dev.ts'
import { appInfo, seedDemoKey, tempHome, transferStream } from './helpers/ledger.ts'

async function runSequence(rpcUrl: string, txs: Uint8Array[]): Promise<string> {
  const rpc = await LedgerRpc.connect(rpcUrl)
  try {
    let last = ''
    for (const tx of txs) last = await rpc.broadcast(tx)
    const r = await rpc.waitForTx(last, 60_000)
    assert.equal(r.code, 0, r.log)
    // Empty blocks after the last transaction do not change the state, so the hash is final.
    return (await appInfo(rpcUrl)).appHash
  } finally {
    rpc.disconnect()
  }
}

test('the embedded engine and CometBFT give the same app hash for the same transactions', async () => {
  const demo = generatePrivateKey()
  const to = addressOf(generatePrivateKey())
  const chainId = 'haca-engines'
  const txs = transferStream({ chainId, from: demo, count: 60, to })
  const extra = [{ address: addressOf(generatePrivateKey()), balance: '42' }]

  const devHome = await tempHome('engines-dev')
  await seedDemoKey(devHome.dir, demo)
  const dev = await startDev({ home: devHome.dir, port: 0, storagePort: 0, storageShards: 10, chainId, accounts: extra, blockTimeMs: 50 })
  let embeddedHash: string
  try {
    embeddedHash = await runSequence(dev.rpc, txs)
  } finally {
    await dev.close()
    await devHome.cleanup()
  }

  const cometHome = await tempHome('engines-comet')
  await seedDemoKey(cometHome.dir, demo)
  const net = new RunningDevnet(await prepareDevnet({ home: cometHome.dir, validators: 1, basePort: 20400, chainId, accounts: extra, timeoutCommit: '300ms' }))
  let cometHash: string
  try {
    await net.start()
    cometHash = await runSequence(net.layout.validators[0].rpc, txs)
  } finally {
    await net.stop()
    await cometHome.cleanup()
  }
  assert.match(embeddedHash, /^[0-9A-F]{64}$/)
  assert.equal(cometHash, embeddedHash)
})

test('the embedded engine survives a restart: same height, same app hash, chain goes on', async () => {
  const home = await tempHome('dev-restart')
  let dev: Awaited<ReturnType<typeof startDev>> | undefined
  try {
    dev = await startDev({ home: home.dir, port: 0, storagePort: 0, storageShards: 10, blockTimeMs: 50, emptyBlockMs: 100 })
    const { readKeyFile } = await import('../src/core/keyfile.ts')
    const demo = (await readKeyFile(dev.demoKeyFile)).privateKey
    await runSequence(dev.rpc, transferStream({ chainId: dev.chainId, from: demo, count: 5 }))
    const before = await appInfo(dev.rpc)
    await dev.close()
    dev = undefined
    dev = await startDev({ home: home.dir, port: 0, storagePort: 0, storageShards: 10, blockTimeMs: 50, emptyBlockMs: 100 })
    const after = await appInfo(dev.rpc)
    assert.ok(after.height >= before.height)
    assert.equal(after.appHash, before.appHash)
    await runSequence(dev.rpc, transferStream({ chainId: dev.chainId, from: demo, startNonce: 5, count: 5 }))
  } finally {
    // Also on failure: a running engine would keep the test process alive until its timeout.
    await dev?.close()
    await home.cleanup()
  }
})
