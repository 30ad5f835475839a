/** `haca infer`, `haca chat` and `haca receipt` through the real entry point (bin/haca.js) against a real node and provider stand-in. */
import { after, before, test } from 'node:test'
import { startChatStandIn, startMlpChatNode } from './helpers/inferenceNode.ts'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { LLMock } from '@copilotkit/aimock'
import { runMlpReference } from '../src/onnx/build.ts'
import type { InferenceNode } from '../src/nodes/inference/node.ts'

const execFileP = promisify(execFile)

let dir: string
let mock: LLMock
let node: InferenceNode
let url: string

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'haca-cli-'))
  mock = await startChatStandIn()
  ;({ node, url } = await startMlpChatNode({ dir, mock, mlpPrice: 2n, chatPrice: 9n }))
})

after(async () => {
  await node?.close()
  await mock?.stop()
  await rm(dir, { recursive: true, force: true })
})

const ROOT = join(import.meta.dirname, '..')
/** Runs a command in a child process; resolves with stdout, rejects with stderr on failure. */
async function run(args: string[]): Promise<string> {
  const { stdout } = await execFileP(process.execPath, [join(ROOT, 'bin/haca.js'), ...args], { cwd: ROOT })
  return stdout
}

test('haca infer --json prints outputs and a verified receipt', async () => {
  const out = JSON.parse(await run(['infer', '--model', 'mlp', '--node', `${url}=${node.address}`, '--input', 'input=float32:1x4:1,2,3,4', '--json']))
  assert.deepEqual(out.outputs.output.data, Array.from(runMlpReference(Float32Array.from([1, 2, 3, 4]))))
  assert.equal(out.receipt.node, node.address)
  assert.equal(out.receipt.price, '2')
  assert.equal(out.verified, true)
  const human = await run(['infer', '--model', 'mlp', '--node', `${url}=${node.address}`, '--inputs', JSON.stringify({ input: { dims: [1, 4], type: 'float32', data: [1, 2, 3, 4] } })])
  assert.match(human, /^output float32\[1x3\]: /)
  assert.match(human, /signature verified/)
})

test('haca chat, plain and streaming', async () => {
  const plain = JSON.parse(await run(['chat', '--model', 'gpt-test', '--node', `${url}=${node.address}`, '--json', 'hello', 'there']))
  assert.equal(plain.content, 'Hi there, friend!')
  assert.equal(plain.receipt.price, '9')
  const streamed = await run(['chat', '--model', 'gpt-test', '--node', `${url}=${node.address}`, '--stream', 'hello'])
  assert.match(streamed, /^Hi there, friend!\nreceipt 0x[0-9a-f]{64}\n/)
})

test('haca receipt fetches and verifies a receipt by id', async () => {
  const answer = JSON.parse(await run(['infer', '--model', 'mlp', '--node', `${url}=${node.address}`, '--input', 'input=float32:1x4:4,3,2,1', '--json']))
  const shown = JSON.parse(await run(['receipt', answer.receipt.id, '--node', `${url}=${node.address}`, '--json']))
  assert.deepEqual(shown.receipt, answer.receipt)
  assert.equal(shown.verified, true)
  const human = await run(['receipt', answer.receipt.id, '--node', `${url}=${node.address}`])
  assert.match(human, /signature verified/)
  await assert.rejects(run(['receipt', `0x${'00'.repeat(32)}`, '--node', `${url}=${node.address}`]), (err: unknown) => /no node has receipt/.test(String((err as { stderr?: string }).stderr)))
})

test('a node without an address is refused, so receipts are always checked against a known key', async () => {
  await assert.rejects(run(['chat', '--model', 'gpt-test', '--node', url, 'hello']), (err: unknown) => /--node URL=0x/.test(String((err as { stderr?: string }).stderr)))
})

test('--help describes the commands', async () => {
  for (const cmd of ['infer', 'chat']) {
    const help = await run([cmd, '--help'])
    assert.match(help, /--node <url=address>/)
    assert.match(help, /--json/)
  }
})
