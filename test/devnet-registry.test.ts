/**
 * The devnet's node registry on CometBFT: both inference nodes register themselves with
 * simulated-enclave attestations on start and show up as active; the SDK discovers them from
 * the ledger (`new HacaClient({ rpc })`), checks receipts against registered keys, verifies a
 * node's attestation itself, sends encrypted requests to attested HPKE keys, and stops routing
 * to a node once it deregisters; registrations with an unknown measurement, a tampered
 * document or an unbound key are refused with the failed check named. Self-registration skips
 * a key that is already registered and re-attests on schedule.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { fromHex } from '../src/core/bytes.ts'
import { readKeyFile } from '../src/core/keyfile.ts'
import { generatePrivateKey, publicKeyOf } from '../src/core/keys.ts'
import { readDevRootFile } from '../src/attestation/devRootFile.ts'
import { attestationBindingDigest } from '../src/attestation/keyBinding.ts'
import { SimulatedEnclave, simulatedEnclavePcrs } from '../src/attestation/simulatedEnclave.ts'
import { HacaClient } from '../src/client/HacaClient.ts'
import { NoNodeAvailableError, NodeAttestationError, ReceiptVerificationError } from '../src/client/errors.ts'
import { RegistryNodeDirectory } from '../src/client/registryNodeDirectory.ts'
import { LedgerRpc, TxRejectedError } from '../src/client/ledger/ledgerRpc.ts'
import { sendTx } from '../src/client/ledger/sendTx.ts'
import type { NodeView } from '../src/ledger/registry/node.ts'
import { buildDeregisterTx, buildRegisterTx, signKeyProof } from '../src/ledger/registry/tx.ts'
import { prepareDevnet, RunningDevnet } from '../src/network/devnet.ts'
import { simulatedAttestationSource } from '../src/nodes/inference/tee/attestationSource.ts'
import { loadOrCreateHpkeKeyFile } from '../src/nodes/inference/tee/hpkeKeyFile.ts'
import { startSelfRegistration } from '../src/nodes/inference/registration/selfRegistration.ts'
import { STAND_IN_MODEL } from '../src/network/providerStandIn.ts'
import { tempHome } from './helpers/ledger.ts'

const run = promisify(execFile)
let home: Awaited<ReturnType<typeof tempHome>>
let net: RunningDevnet
let rpc: LedgerRpc

async function activeNodes(): Promise<NodeView[]> {
  return (await rpc.queryJson<{ nodes: NodeView[] }>('/registry/nodes/type=inference')).nodes
}

before(async () => {
  home = await tempHome('devnet-registry')
  net = new RunningDevnet(await prepareDevnet({ home: join(home.dir, 'net'), validators: 1, basePort: 21400, timeoutCommit: '300ms', storageShards: 10, registry: true }))
  await net.start()
  rpc = await LedgerRpc.connect(net.layout.validators[0].rpc)
})

after(async () => {
  rpc?.disconnect()
  await net?.stop()
  await home?.cleanup()
})

test('inference nodes register themselves with simulated-enclave attestations and show up as active', async () => {
  const want = net.layout.inference.map((n) => n.address).sort()
  const deadline = Date.now() + 120_000
  let nodes: NodeView[] = []
  while (Date.now() < deadline) {
    nodes = await activeNodes()
    if (nodes.length === want.length) break
    await new Promise((r) => setTimeout(r, 300))
  }
  if (nodes.length !== want.length) {
    // Say why: the nodes' own logs hold their registration attempts.
    for (const n of net.layout.inference) process.stderr.write(`--- ${n.config}\n${(await readFile(join(dirname(n.config), 'node.log'), 'utf8').catch(() => '')).slice(-3000)}\n`)
  }
  assert.deepEqual(nodes.map((n) => n.address).sort(), want)
  for (const n of nodes) {
    assert.equal(n.status, 'active')
    assert.equal(n.attested, true)
    assert.equal(n.tee, 'nitro')
    assert.equal(n.stake, net.layout.registry!.minStake)
    assert.match(n.hpkePublicKey ?? '', /^0x[0-9a-f]{64}$/)
  }
  const chat = nodes.find((n) => n.address === net.layout.inference[1].address)!
  assert.equal(chat.endpoint, net.layout.inference[1].url)
  assert.deepEqual(chat.models, [STAND_IN_MODEL])
  // Both devnet nodes also serve every model registered on the ledger (ONNX).
  assert.deepEqual(chat.runtimes, ['onnx', 'openai'])
})

test('refused registrations name the failed check: unknown measurement, tampered document, unbound key, expired document', async () => {
  const demo = await readKeyFile(net.layout.demoKeyFile)
  const root = await readDevRootFile(net.layout.registry!.devRootFile)
  const chainId = await rpc.chainId()
  const head = await rpc.queryJson<{ height: number; hash: string }>('/registry/head')
  const { nonce } = await rpc.queryJson<{ nonce: string }>(`/accounts/account/${demo.address}`)
  const signing = generatePrivateKey()
  const signingKey = publicKeyOf(signing)
  const attest = (pcrs = simulatedEnclavePcrs(), key = signingKey, clock = Date.now) => new SimulatedEnclave({ root, pcrs, clock }).attest({ publicKey: key, userData: attestationBindingDigest({ signingKey: key }), nonce: fromHex(head.hash) })
  const register = (document: Uint8Array) => rpc.broadcast(buildRegisterTx({
    chainId,
    nonce: BigInt(nonce),
    fee: 10n,
    msg: {
      nodeType: 'inference', evidence: { kind: 'nitro', document }, signingKey, endpoint: 'http://127.0.0.1:9/', payout: demo.address,
      capabilities: { runtimes: ['onnx'], models: [], modes: ['tee'], prices: [] }, stake: 1000n, nonceHeight: head.height, keyProof: signKeyProof(demo.address, signing),
    },
  }, demo.privateKey).bytes)
  const refused = async (document: Uint8Array, check: RegExp) => {
    await assert.rejects(register(document), (err: unknown) => err instanceof TxRejectedError && check.test(err.message))
  }
  await refused(await attest(simulatedEnclavePcrs('an image governance never allowed')), /attestation refused \(measurement_not_allowed\)/)
  const tampered = (await attest()).slice()
  tampered[tampered.length - 1] ^= 1
  await refused(tampered, /attestation refused \(bad_signature\)/)
  await refused(await attest(undefined, publicKeyOf(generatePrivateKey())), /attestation refused \(key_not_bound\)/)
  // Made two hours ago: older than the devnet's one-hour attestation age limit.
  await refused(await attest(undefined, undefined, () => Date.now() - 2 * 3_600_000), /attestation refused \(attestation_expired\)/)
  // Nothing was registered for the demo account.
  assert.equal(await rpc.queryJson(`/registry/node/${demo.address}`), null)
})

test('the SDK discovers nodes from the registry, verifies attestations and receipts, encrypts, and stops using a deregistered node', async () => {
  const client = new HacaClient({ rpc: net.layout.validators[0].rpc, timeoutMs: 20_000 })
  const directory = client.directory as RegistryNodeDirectory
  try {
    const nodes = await directory.listNodes()
    assert.deepEqual(nodes.map((n) => n.address).sort(), net.layout.inference.map((n) => n.address).sort())
    const chatNode = nodes.find((n) => n.address === net.layout.inference[1].address)!

    const { attestation, registered } = await client.verifyNodeAttestation(chatNode)
    assert.equal(attestation.kind, 'nitro')
    assert.equal(registered.address, chatNode.address)
    // A node whose URL answers for another key does not pass as the registered node.
    await assert.rejects(client.verifyNodeAttestation({ ...chatNode, signingKey: `0x02${'11'.repeat(32)}` }), (err: unknown) => err instanceof NodeAttestationError && err.check === 'not_registered')

    const plain = await client.chat.completions.create({ model: STAND_IN_MODEL, messages: [{ role: 'user', content: 'hello registry' }] })
    assert.match(plain.choices[0].message.content ?? '', /you said: hello registry/)
    assert.equal(plain.haca.receipt.node, chatNode.address)
    // Streams too: the receipt at the end is checked against the registered key.
    const stream = await client.chat.completions.create({ model: STAND_IN_MODEL, messages: [{ role: 'user', content: 'stream please' }], stream: true })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
    assert.match(text, /you said: stream please/)
    assert.equal(stream.receipt?.node, chatNode.address)
    const sealed = await client.chat.completions.create({ model: STAND_IN_MODEL, messages: [{ role: 'user', content: 'a sealed question' }], encrypted: true })
    assert.match(sealed.choices[0].message.content ?? '', /you said: a sealed question/)

    // Through the CLI: no --node, the ledger's registry lists the nodes.
    const cli = await run(process.execPath, ['bin/haca.js', 'chat', '--model', STAND_IN_MODEL, '--ledger', net.layout.validators[0].rpc, '--encrypted', '--json', 'hi from the cli'], { env: { ...process.env, HACA_HOME: home.dir } })
    const answer = JSON.parse(cli.stdout)
    assert.equal(answer.verified, true)
    assert.equal(answer.receipt.node, chatNode.address)

    // The chat node deregisters: the SDK stops routing to it, and its receipts no longer pass.
    const nodeKey = await readKeyFile(join(net.layout.home, 'inference-1', 'node-key.json'))
    await sendTx(rpc, { key: nodeKey, build: (p) => buildDeregisterTx(p, nodeKey.privateKey).bytes })
    directory.invalidate()
    assert.deepEqual((await directory.listNodes()).map((n) => n.address), [net.layout.inference[0].address])
    await assert.rejects(client.chat.completions.create({ model: STAND_IN_MODEL, messages: [{ role: 'user', content: 'still there?' }] }), NoNodeAvailableError)
    await assert.rejects(directory.checkReceiptSigner(plain.haca.receipt, chatNode), (err: unknown) => err instanceof ReceiptVerificationError && /unbonding, not active/.test(err.message))
  } finally {
    client.close()
  }
})

test('self-registration: a node already registered with its key is not registered twice, and re-attests on schedule', async () => {
  const dir = join(net.layout.home, 'inference-0')
  const key = await readKeyFile(join(dir, 'node-key.json'))
  const hpke = await loadOrCreateHpkeKeyFile(join(dir, 'hpke-key.json'))
  const attestation = simulatedAttestationSource({ root: await readDevRootFile(net.layout.registry!.devRootFile), privateKey: key.privateKey, hpkePublicKey: hpke.publicKey })
  const lines: string[] = []
  const log = { info: (o: object, msg: string) => lines.push(`${msg} ${JSON.stringify(o)}`), warn: (o: object, msg: string) => lines.push(`WARN ${msg} ${JSON.stringify(o)}`) }
  const before = await rpc.queryJson<NodeView>(`/registry/node/${key.address}`)
  const reg = startSelfRegistration({
    rpc: net.layout.validators[0].rpc, signingPrivateKey: key.privateKey, attestation, endpoint: net.layout.inference[0].url,
    capabilities: { runtimes: ['onnx'], models: [], modes: ['tee'], prices: [] }, stake: 1000n, reattestEveryMs: 1000, log,
  })
  try {
    const view = await reg.registered
    assert.equal(view.registeredHeight, before.registeredHeight)
    assert.match(lines[0], /^already registered with this key/)
    const deadline = Date.now() + 20_000
    while (!lines.some((l) => l.startsWith('re-attested')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200))
    assert.ok(lines.some((l) => l.startsWith('re-attested')), lines.join('\n'))
    const after = await rpc.queryJson<NodeView>(`/registry/node/${key.address}`)
    assert.ok(BigInt(after.attestedAtMs) > BigInt(before.attestedAtMs))
    assert.equal(after.status, 'active')
    // Logs carry no secrets.
    const text = lines.join('\n')
    assert.ok(!text.includes(Buffer.from(key.privateKey).toString('hex')))
  } finally {
    reg.stop()
  }
})
