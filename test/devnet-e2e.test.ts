/**
 * `haca devnet` end to end on CometBFT, through the CLI a user runs: the model hub (upload
 * prints the model ID and manifest blob ID, show reads it back from the ledger, download
 * returns identical bytes, bad input is refused before anything is registered), `haca infer`
 * on the devnet's inference node, and chat through the second node to the provider stand-in
 * with the official `openai` client and with the SDK, streaming, receipts verified.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { writeKeyFile } from '../src/core/keyfile.ts'
import { buildMlpModel } from '../src/onnx/build.ts'
import { modelIdOf } from '../src/ledger/models/keys.ts'
import { prepareDevnet, RunningDevnet } from '../src/network/devnet.ts'
import { tempHome } from './helpers/ledger.ts'

const run = promisify(execFile)
let home: Awaited<ReturnType<typeof tempHome>>
let net: RunningDevnet
let common: string[]

async function haca(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/haca.js', ...args], { env: { ...process.env, HACA_HOME: home.dir } })
    return { code: 0, stdout, stderr }
  } catch (err: any) {
    return { code: err.code ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' }
  }
}

before(async () => {
  home = await tempHome('modelhub')
  net = new RunningDevnet(await prepareDevnet({ home: join(home.dir, 'net'), validators: 1, basePort: 21200, timeoutCommit: '300ms', storageShards: 10 }))
  await net.start()
  common = ['--node', net.layout.validators[0].rpc]
})

after(async () => {
  await net?.stop()
  await home?.cleanup()
})

test('upload, show and download a model through the CLI', async () => {
  const file = join(home.dir, 'mlp.onnx')
  const bytes = buildMlpModel()
  await writeFile(file, bytes)
  const up = await haca(['model', 'upload', file, '--name', 'mlp-test', '--version', '1.0.0', '--modes', 'vanilla,tee', '--price', '3', '--key', net.layout.demoKeyFile, '--store', net.layout.storage.url, ...common, '--json'])
  assert.equal(up.code, 0, up.stderr)
  const out = JSON.parse(up.stdout)
  assert.equal(out.modelId, modelIdOf('mlp-test', '1.0.0'))
  assert.match(out.manifestBlobId, /^[A-Za-z0-9_-]{43}$/)

  const show = await haca(['model', 'show', 'mlp-test@1.0.0', ...common, '--json'])
  assert.equal(show.code, 0, show.stderr)
  const m = JSON.parse(show.stdout)
  assert.equal(m.id, out.modelId)
  assert.equal(m.manifestBlobId, out.manifestBlobId)
  assert.equal(m.size, String(bytes.length))
  assert.deepEqual(m.modes, ['vanilla', 'tee'])
  assert.equal(m.io.inputs[0].name, 'input')

  const dest = join(home.dir, 'back.onnx')
  const down = await haca(['model', 'download', out.modelId, '--out', dest, '--store', net.layout.storage.url, ...common, '--json'])
  assert.equal(down.code, 0, down.stderr)
  assert.deepEqual(new Uint8Array(await readFile(dest)), bytes)

  const list = await haca(['model', 'list', ...common, '--json'])
  assert.deepEqual(JSON.parse(list.stdout).map((x: { name: string }) => x.name), ['mlp-test'])

  // The devnet's inference node serves it by model ID, loaded through the storage cache; the SDK verifies the receipt.
  const infer = await haca(['infer', '--model', out.modelId, '--input', 'input=float32:1x4:1,2,3,4', '--nodes-file', net.layout.nodesFile, '--json'])
  assert.equal(infer.code, 0, infer.stderr)
  const answer = JSON.parse(infer.stdout)
  assert.equal(answer.verified, true)
  assert.equal(answer.receipt.model, out.modelId)
  assert.equal(answer.receipt.node, net.layout.inference[0].address)
  const ort = await import('onnxruntime-node')
  const session = await ort.InferenceSession.create(bytes)
  const local = await session.run({ input: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [1, 4]) })
  assert.deepEqual(answer.outputs.output.data.map((x: number) => Math.fround(x)), [...(local.output.data as Float32Array)])
})

test('bad uploads are refused with a clear error and register nothing', async () => {
  const junk = join(home.dir, 'junk.onnx')
  await writeFile(junk, 'this is not a model')
  const bad = await haca(['model', 'upload', junk, '--name', 'junk', '--version', '1', '--key', net.layout.demoKeyFile, '--store', net.layout.storage.url, ...common])
  assert.notEqual(bad.code, 0)
  assert.match(bad.stderr, /ONNX|onnx/)
  assert.notEqual((await haca(['model', 'show', 'junk@1', ...common])).code, 0)

  const file = join(home.dir, 'mlp2.onnx')
  await writeFile(file, buildMlpModel({ seed: 2 }))
  const dup = await haca(['model', 'upload', file, '--name', 'mlp-test', '--version', '1.0.0', '--key', net.layout.demoKeyFile, '--store', net.layout.storage.url, ...common])
  assert.notEqual(dup.code, 0)
  assert.match(dup.stderr, /already registered/)

  const other = join(home.dir, 'other.json')
  await writeKeyFile(other)
  const badName = await haca(['model', 'upload', file, '--name', 'Bad Name', '--version', '1', '--key', other, '--store', net.layout.storage.url, ...common])
  assert.notEqual(badName.code, 0)
  assert.match(badName.stderr, /model.name/)
})

test('chat through an inference node to the provider stand-in: openai client streaming, SDK-verified receipt', async () => {
  const node = net.layout.inference[1]
  const { default: OpenAI } = await import('openai')
  const client = new OpenAI({ baseURL: `${node.url}/v1`, apiKey: 'unused' })
  const stream = await client.chat.completions.create({ model: 'standin-chat', messages: [{ role: 'user', content: 'hello devnet' }], stream: true })
  let text = ''
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? ''
  assert.match(text, /you said: hello devnet/)

  const chat = await haca(['chat', '--model', 'standin-chat', '--stream', '--nodes-file', net.layout.nodesFile, '--json', 'hello again'])
  assert.equal(chat.code, 0, chat.stderr)
  const lastLine = chat.stdout.trim().split('\n').pop()!
  const answer = JSON.parse(lastLine.startsWith('{') ? lastLine : chat.stdout.slice(chat.stdout.indexOf('{')))
  assert.equal(answer.verified, true)
  assert.equal(answer.receipt.node, node.address)
})
