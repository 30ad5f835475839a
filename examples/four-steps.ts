/**
 * The four steps of haca against a running local network (`bash scripts/start.sh`):
 *
 *   1. Registration   the inference nodes registered themselves with (simulated-enclave)
 *                     attestations; we list them from the ledger and verify one attestation.
 *   2. Direct inference  we upload a small ONNX model and call a node directly over HTTP,
 *                     paying with a voucher from a payment channel. No block is waited for.
 *   3. Instant response  the answer comes back with a receipt signed by the node, which the
 *                     SDK checked against the request, the answer and the node's registered key.
 *   4. Settlement     the node settles its receipts on the ledger; we wait, then verify the
 *                     receipt's settlement record with a Merkle proof against the app hash.
 *
 * Usage: node --import tsx examples/four-steps.ts [--home ~/.haca/devnet] [--json]
 */
import { readFile, writeFile } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ChannelPayer, HacaClient, LedgerRpc, RegistryNodeDirectory, openChannel, waitForSettlement } from '../src/index.ts'
import { readKeyFile } from '../src/core/keyfile.ts'
import { sendTx } from '../src/client/ledger/sendTx.ts'
import { buildMlpModel } from '../src/onnx/build.ts'
import { modelIdOf } from '../src/ledger/models/keys.ts'
import { canonicalIoSchema } from '../src/ledger/models/msgs.ts'
import { buildRegisterModelTx } from '../src/ledger/models/tx.ts'
import { uploadModelFile } from '../src/storage/uploadModelFile.ts'
import { WalrusClient } from '../src/storage/walrusClient.ts'

const { values } = parseArgs({ options: { home: { type: 'string', default: join(process.env.HACA_HOME ?? join(homedir(), '.haca'), 'devnet') }, json: { type: 'boolean' } } })
const layout = JSON.parse(await readFile(join(values.home!, 'devnet.json'), 'utf8'))
const rpcUrl: string = layout.validators[0].rpc
const out: Record<string, unknown> = {}
const say = (line: string) => values.json || console.log(line)

const rpc = await LedgerRpc.connect(rpcUrl)
const demo = await readKeyFile(layout.demoKeyFile)
const chainId = await rpc.chainId()

// 1. Registration
const directory = new RegistryNodeDirectory({ rpc: rpcUrl })
const registered = await directory.registeredNodes()
say(`1. registration: ${registered.length} node(s) active on the ledger`)
for (const n of registered) say(`   ${n.address} at ${n.endpoint} (${n.attested ? `attested, ${n.tee}` : 'unattested'})`)
const payer = await ChannelPayer.open({ key: demo, chainId, stateFile: join(values.home!, 'example-vouchers.json') })
const client = new HacaClient({ directory, payments: { payer, autoOpen: { key: demo, rpc, budget: 100_000n } } })
const nodes = await directory.listNodes()
const attestation = await client.verifyNodeAttestation(nodes[0])
say(`   verified ${nodes[0].url}'s attestation ourselves: ${JSON.stringify(attestation).slice(0, 100)}…`)
out.registered = registered.map((n) => n.address)

// 2. Direct inference (a model of our own, uploaded to the network's storage and registered)
const name = `example-mlp-${Date.now()}`
const file = join(tmpdir(), `${name}.onnx`)
await writeFile(file, buildMlpModel())
const store = new WalrusClient({ publisherUrl: layout.storage.url, aggregatorUrl: layout.storage.url, shards: layout.storage.shards })
const up = await uploadModelFile(store, file)
await store.close()
const model = { name, version: '1.0.0', manifestBlobId: up.manifestBlobId, sha256: `0x${up.sha256}` as const, size: BigInt(up.size), format: 'onnx' as const, io: canonicalIoSchema(up.io), modes: ['tee' as const, 'vanilla' as const], price: 5n }
await sendTx(rpc, { key: demo, build: (p) => buildRegisterModelTx({ ...p, model }, demo.privateKey).bytes })
const modelId = modelIdOf(name, '1.0.0')
// A payment channel to each node (once; the voucher state is kept in the file above).
for (const n of registered) if (!payer.channelFor(n.address)) await openChannel(rpc, { key: demo, node: n.address, amount: 100_000n, payer })
say(`2. direct inference: model ${modelId} uploaded (manifest ${up.manifestBlobId}) and registered, channels open; calling a node over HTTP…`)
// A node's first call of a model fetches it from storage (checked against the ledger's sha256): warm them up, then time one.
for (let i = 0; i < 2 * registered.length; i++) await client.infer({ model: modelId, inputs: { input: { type: 'float32', dims: [1, 4], data: [0, 0, 0, 0] } } })
const t = performance.now()
const answer = await client.infer({ model: modelId, inputs: { input: { type: 'float32', dims: [1, 4], data: [1, 2, 3, 4] } } })
const ms = performance.now() - t

// 3. Instant response
say(`3. instant response in ${ms.toFixed(0)} ms: output ${JSON.stringify(answer.outputs.output.data)}`)
say(`   receipt ${answer.receipt.id} signed by ${answer.receipt.node}, price ${answer.receipt.price}: verified by the SDK`)
out.receipt = answer.receipt.id
out.output = answer.outputs.output.data

// 4. Settlement
say('4. settlement: waiting for the node to settle the receipt on the ledger…')
const settled = await waitForSettlement(rpc, { receiptId: answer.receipt.id, nodeUrl: answer.node.url, timeoutMs: 120_000 })
if (settled.status !== 'settled') throw new Error(`receipt ${answer.receipt.id} was ${settled.status}: ${settled.status === 'refused' ? settled.reason : ''}`)
say(`   settled at height ${settled.height} in batch ${settled.batchRoot}; the record's Merkle proof checks against app hash ${settled.proof.appHash}`)
out.settlement = settled
if (values.json) console.log(JSON.stringify(out, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)))
client.close()
rpc.disconnect()
