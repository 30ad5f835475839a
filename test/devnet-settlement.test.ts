/**
 * The whole network on CometBFT as `haca devnet` runs it (registry, payments, settlement): the
 * runnable example walks the four steps and ends with a receipt settled and proven; then the
 * faults: an inference node killed with SIGKILL while it settles, and the full node restarted
 * during settlement; afterwards every paid receipt is settled exactly once and the channel paid
 * exactly the prices of its receipts.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { readKeyFile } from '../src/core/keyfile.ts'
import { LedgerRpc } from '../src/client/ledger/ledgerRpc.ts'
import { waitForHeight } from '../src/client/ledger/wait.ts'
import { HacaClient } from '../src/client/HacaClient.ts'
import { ChannelPayer } from '../src/client/payments/channelPayer.ts'
import { getSettlement, waitForSettlement } from '../src/client/getSettlement.ts'
import { prepareDevnet, RunningDevnet } from '../src/network/devnet.ts'
import { STAND_IN_MODEL } from '../src/network/providerStandIn.ts'
import { tempHome } from './helpers/ledger.ts'

const run = promisify(execFile)
let home: Awaited<ReturnType<typeof tempHome>>
let net: RunningDevnet
let rpc: LedgerRpc

before(async () => {
  home = await tempHome('devnet-settle')
  net = new RunningDevnet(await prepareDevnet({ home: join(home.dir, 'net'), validators: 1, basePort: 21800, timeoutCommit: '300ms', storageShards: 10, registry: true, payments: true }))
  await net.start()
  rpc = await LedgerRpc.connect(net.layout.validators[0].rpc)
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const { nodes } = await rpc.queryJson<{ nodes: unknown[] }>('/registry/nodes/type=inference')
    if (nodes.length === 2) break
    await new Promise((r) => setTimeout(r, 300))
  }
})

after(async () => {
  rpc?.disconnect()
  await net?.stop()
  await home?.cleanup()
})

test('examples/four-steps.ts: registration, direct inference, instant response, settlement with a verified proof', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/four-steps.ts', '--home', net.layout.home, '--json'], { timeout: 180_000 })
  const out = JSON.parse(stdout.trim().split('\n').pop()!)
  assert.equal(out.registered.length, 2)
  assert.deepEqual(out.output.map((x: number) => Math.round(x * 1000)), [4750, 0, 625])
  assert.equal(out.settlement.status, 'settled')
  assert.equal(out.settlement.receiptId, out.receipt)
  assert.match(out.settlement.proof.appHash, /^0x[0-9a-f]{64}$/)
})

test('SIGKILL of a settling node and a restart of the full node: every paid receipt settles once, the channel pays exactly', async () => {
  const demo = await readKeyFile(net.layout.demoKeyFile)
  const chainId = await rpc.chainId()
  const payer = await ChannelPayer.open({ key: demo, chainId, stateFile: join(home.dir, 'vouchers.json') })
  // A budget of 10 per channel: the client opens the channel, then tops it up twice on its own.
  const client = new HacaClient({ rpc: net.layout.validators[0].rpc, payments: { payer, autoOpen: { key: demo, rpc, budget: 10n } } })
  const chatNode = net.layout.inference[1]
  const ask = async (i: number) => (await client.chat.completions.create({ model: STAND_IN_MODEL, messages: [{ role: 'user', content: `question ${i}` }] })).haca.receipt
  try {
    const receipts = []
    for (let i = 0; i < 15; i++) receipts.push(await ask(i))
    // The node settles every 3 s: kill it with SIGKILL now, whatever it is doing, and start it again.
    net.inference[1].kill('SIGKILL')
    await new Promise((r) => net.inference[1].once('exit', r))
    net.inference.splice(1, 1)
    await net.startInference(chatNode)
    for (let i = 15; i < 30; i++) receipts.push(await ask(i))
    // The full node goes down and comes back while the node is settling.
    await net.stopValidator(0, 'SIGKILL')
    await new Promise((r) => setTimeout(r, 1500))
    await net.startValidator(0)
    await waitForHeight(net.layout.validators[0].rpc, 1, 30_000)
    const rpc2 = await LedgerRpc.connect(net.layout.validators[0].rpc)
    try {
      for (const r of receipts) {
        const s = await waitForSettlement(rpc2, { receiptId: r.id, nodeUrl: chatNode.url, timeoutMs: 90_000 })
        assert.equal(s.status, 'settled', `receipt ${r.id}`)
      }
      const viaClient = await client.settlement(receipts[0].id)
      assert.equal(viaClient.status, 'settled')
      const channel = payer.channelFor(chatNode.address)!
      const onLedger = await rpc2.queryJson<{ spent: string }>(`/payments/channel/${channel.id}`)
      // Each receipt was paid once: the channel paid exactly the sum of the receipts' prices.
      const prices = receipts.reduce((a, r) => a + r.price, 0n)
      assert.equal(BigInt(onLedger.spent), prices)
      assert.equal(channel.cumulative, prices)
      assert.equal(channel.deposit, 30n, 'opened with 10, topped up twice by 10')
      const unknown = await getSettlement(rpc2, { receiptId: `0x${'ab'.repeat(32)}` })
      assert.equal(unknown.status, 'pending')
    } finally {
      rpc2.disconnect()
    }
  } finally {
    client.close()
  }
})
