/**
 * `client.verify` and `haca verify` against a real devnet on CometBFT (1 validator, registry and
 * payments on): a paid answer, once settled, verifies with the receipt, registration,
 * attestation record and settlement all passed, the ledger facts proven against headers a light
 * client verified from a trust root; a tampered receipt fails the receipt check, a receipt
 * signed by an unregistered key fails the registration check, and the CLI, through the real
 * entry point, prints one line per check and exits 0 or 1 accordingly.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { toHex } from '../src/core/bytes.ts'
import { readKeyFile } from '../src/core/keyfile.ts'
import { generatePrivateKey, addressOf } from '../src/core/keys.ts'
import { LedgerRpc } from '../src/client/ledger/ledgerRpc.ts'
import { HacaClient } from '../src/client/HacaClient.ts'
import { ChannelPayer } from '../src/client/payments/channelPayer.ts'
import { waitForSettlement } from '../src/client/getSettlement.ts'
import { RpcLightBlockProvider } from '../src/client/light/rpcProvider.ts'
import { type Receipt, receiptToJson, signReceipt } from '../src/protocol/receipt.ts'
import { prepareDevnet, RunningDevnet } from '../src/network/devnet.ts'
import { STAND_IN_MODEL } from '../src/network/providerStandIn.ts'
import { tempHome } from './helpers/ledger.ts'

const run = promisify(execFile)
let home: Awaited<ReturnType<typeof tempHome>>
let net: RunningDevnet
let rpc: LedgerRpc
let ledgerUrl: string
let client: HacaClient
let receipt: Receipt
let trustHash: string
const TRUST_HEIGHT = 2

before(async () => {
  home = await tempHome('verify-answer')
  net = new RunningDevnet(await prepareDevnet({ home: join(home.dir, 'net'), validators: 1, basePort: 24800, timeoutCommit: '300ms', storageShards: 10, registry: true, payments: true }))
  await net.start()
  ledgerUrl = net.layout.validators[0].rpc
  rpc = await LedgerRpc.connect(ledgerUrl)
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const { nodes } = await rpc.queryJson<{ nodes: Array<{ active: boolean }> }>('/registry/nodes/type=inference')
    if (nodes.filter((n) => n.active).length === 2) break
    await new Promise((r) => setTimeout(r, 300))
  }
  // The user's trust root: a header hash they got from a source they trust (here, the chain itself early on).
  trustHash = toHex((await new RpcLightBlockProvider(ledgerUrl).lightBlock(BigInt(TRUST_HEIGHT))).signedHeader.commit.blockId.hash)
  const demo = await readKeyFile(net.layout.demoKeyFile)
  const payer = await ChannelPayer.open({ key: demo, chainId: await rpc.chainId(), stateFile: join(home.dir, 'vouchers.json') })
  client = new HacaClient({ rpc: ledgerUrl, payments: { payer, autoOpen: { key: demo, rpc, budget: 10n } }, lightClient: { trustRoot: { height: TRUST_HEIGHT, hash: trustHash } } })
  receipt = (await client.chat.completions.create({ model: STAND_IN_MODEL, messages: [{ role: 'user', content: 'prove me' }] })).haca.receipt
  const s = await waitForSettlement(rpc, { receiptId: receipt.id, nodeUrl: net.layout.inference[1].url, timeoutMs: 60_000 })
  assert.equal(s.status, 'settled')
})

after(async () => {
  client?.close()
  rpc?.disconnect()
  await net?.stop()
  await home?.cleanup()
})

const verdicts = (r: { checks: Array<{ name: string; verdict: string }> }) => Object.fromEntries(r.checks.map((c) => [c.name, c.verdict]))

test('a settled paid answer: receipt, registration, attestation and settlement pass, proven through the light client', async () => {
  const report = await client.verify({ receipt, nodeUrl: net.layout.inference[1].url })
  assert.deepEqual(verdicts(report), { receipt: 'passed', registration: 'passed', attestation: 'passed', settlement: 'passed', zkml: 'not yet possible' }, JSON.stringify(report, null, 2))
  assert.equal(report.ok, true)
  const byName = Object.fromEntries(report.checks.map((c) => [c.name, c.detail]))
  assert.match(byName.registration!, /light-client verified header/)
  // The devnet's nodes register with the simulated Nitro enclave under the dev root.
  assert.match(byName.attestation!, /^nitro attestation accepted: measurements 0x[0-9a-f]+/)
  assert.match(byName.settlement!, /proven at height \d+ against app hash 0x[0-9a-f]{64} of a light-client verified header/)
})

test('a tampered receipt fails check 1; a receipt signed by an unregistered key fails check 2', async () => {
  const tampered = await client.verify({ receipt: { ...receipt, price: receipt.price + 1n } })
  assert.equal(tampered.checks[0]!.verdict, 'failed')
  assert.equal(tampered.ok, false)
  const stranger = generatePrivateKey()
  const forged = signReceipt({ ...receipt, node: addressOf(stranger) }, stranger)
  const report = await client.verify({ receipt: forged })
  assert.equal(report.checks[0]!.verdict, 'passed')
  assert.equal(report.checks[1]!.verdict, 'failed')
  assert.match(report.checks[1]!.detail, /is not registered \(absence proven at height \d+, light-client verified header\)/)
  assert.equal(report.ok, false)
})

test('haca verify (node bin/haca.js): by receipt id and from a file through a light client exits 0; a tampered file exits 1; no trust root says the RPC was trusted', async () => {
  const cli = (args: string[]) => run(process.execPath, ['bin/haca.js', 'verify', ...args], { timeout: 60_000 }).then((r) => ({ ...r, code: 0 }), (e: { stdout: string; stderr: string; code: number }) => e)
  const light = ['--ledger', ledgerUrl, '--trust-height', String(TRUST_HEIGHT), '--trust-hash', trustHash]
  const byId = await cli([receipt.id, '--node', net.layout.inference[1].url, ...light, '--light-store', join(home.dir, 'light.json')])
  assert.equal(byId.code, 0, byId.stdout + byId.stderr)
  assert.match(byId.stdout, /^passed +receipt signature and hashes: /m)
  assert.match(byId.stdout, /^passed +signer was an active registered node: .*light-client verified header/m)
  assert.match(byId.stdout, /^passed +settlement inclusion proof: /m)
  assert.match(byId.stdout, /^not yet possible +ZKML proof/m)

  const good = join(home.dir, 'answer.json')
  await writeFile(good, JSON.stringify({ receipt: receiptToJson(receipt) }))
  const trusted = await cli([good, '--ledger', ledgerUrl, '--json'])
  assert.equal(trusted.code, 0, trusted.stdout + trusted.stderr)
  const json = JSON.parse(trusted.stdout) as { ok: boolean; checks: Array<{ name: string; verdict: string; detail: string }> }
  assert.equal(json.ok, true)
  assert.match(json.checks.find((c) => c.name === 'registration')!.detail, /served by the RPC, trusted/)

  const bad = join(home.dir, 'tampered.json')
  await writeFile(bad, JSON.stringify({ receipt: { ...receiptToJson(receipt), model: 'another-model' } }))
  const failed = await cli([bad, ...light])
  assert.equal(failed.code, 1, failed.stdout + failed.stderr)
  assert.match(failed.stdout, /^failed +receipt signature and hashes: signature: /m)
})
