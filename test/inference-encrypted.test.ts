/**
 * Encrypted requests end to end: the SDK seals the request body to a node's HPKE key, the node
 * answers sealed, receipts still cover the plaintext hashes, and a recording TCP relay between
 * SDK and node sees neither the request nor the answer in clear (ONNX and chat).
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { type AddressInfo, type Server, connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toHex } from '../src/core/bytes.ts'
import { generatePrivateKey } from '../src/core/keys.ts'
import { HpkeKeyPair } from '../src/attestation/hpkeKeys.ts'
import { sealRequest } from '../src/attestation/hpkeChannel.ts'
import { HacaClient } from '../src/client/HacaClient.ts'
import { EncryptedStreamError } from '../src/client/errors.ts'
import type { NodeDirectory, NodeInfo } from '../src/client/nodeDirectory.ts'
import { fetchNodeModels } from '../src/client/nodeDirectory.ts'
import { hashRequest } from '../src/protocol/canonicalJson.ts'
import { createInferenceNode, type InferenceNode } from '../src/nodes/inference/node.ts'
import { FileModelSource } from '../src/nodes/inference/models/modelSource.ts'
import { OpenAIProvider } from '../src/nodes/inference/providers/openaiProvider.ts'
import { buildMlpModel } from '../src/onnx/build.ts'
import { startProviderStandIn } from '../src/network/providerStandIn.ts'

let dir: string
let node: InferenceNode
let hpke: HpkeKeyPair
let standIn: Awaited<ReturnType<typeof startProviderStandIn>>
let relay: Server
let relayUrl: string
const wire: Buffer[] = []

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'haca-encrypted-'))
  await writeFile(join(dir, 'mlp.onnx'), buildMlpModel({ seed: 5 }))
  standIn = await startProviderStandIn()
  hpke = await HpkeKeyPair.generate()
  node = await createInferenceNode({
    privateKey: generatePrivateKey(),
    receiptDir: join(dir, 'receipts'),
    hpke,
    models: new FileModelSource([{ id: 'mlp', path: join(dir, 'mlp.onnx'), price: 2n }]),
    providers: [{ provider: new OpenAIProvider({ name: 'standin', baseURL: `${standIn.url}/v1`, apiKey: 'k' }), models: ['standin-chat'], price: 1n }],
  })
  const port = Number(new URL(await node.listen({ host: '127.0.0.1', port: 0 })).port)
  // Every byte between the SDK and the node passes through here and is recorded.
  relay = createServer((client) => {
    const upstream = connect(port, '127.0.0.1')
    client.on('data', (d) => { wire.push(d); upstream.write(d) })
    upstream.on('data', (d) => { wire.push(d); client.write(d) })
    client.on('end', () => upstream.end())
    upstream.on('end', () => client.end())
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
  })
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve))
  relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`
})

after(async () => {
  relay?.close()
  await node?.close()
  await standIn?.close()
  await rm(dir, { recursive: true, force: true })
})

/** A directory naming the node (through the relay) with its HPKE key, as the registry would. */
function directory(): NodeDirectory {
  return {
    async listNodes(): Promise<NodeInfo[]> {
      return [{ url: relayUrl, address: node.address, models: await fetchNodeModels(relayUrl), hpkePublicKey: toHex(hpke.publicKey) }]
    },
  }
}

test('an encrypted chat and an encrypted inference: answers and receipts check, no plaintext on the wire', async () => {
  const client = new HacaClient({ directory: directory() })
  wire.length = 0
  const question = 'my secret medical question'
  const chat = await client.chat.completions.create({ model: 'standin-chat', messages: [{ role: 'user', content: question }], encrypted: true })
  assert.match(chat.choices[0].message.content ?? '', /you said: my secret medical question/)
  // The receipt covers the plaintext request.
  assert.equal(chat.haca.receipt.requestHash, hashRequest({ model: 'standin-chat', messages: [{ role: 'user', content: question }] }))

  const inputs = { input: { dims: [1, 4], type: 'float32' as const, data: [1234.5, 2345.5, 3456.5, 4567.5] } }
  const result = await client.infer({ model: 'mlp', inputs, encrypted: true })
  assert.equal(result.receipt.requestHash, hashRequest({ model: 'mlp', inputs }))
  const outputText = JSON.stringify(Object.values(result.outputs)[0].data)

  const seen = Buffer.concat(wire)
  assert.ok(seen.includes(Buffer.from('application/haca-hpke')), 'the exchange went through the relay, sealed')
  assert.ok(!seen.includes(Buffer.from('secret medical')), 'the question crossed the wire in clear')
  assert.ok(!seen.includes(Buffer.from('you said')), 'the answer crossed the wire in clear')
  assert.ok(!seen.includes(Buffer.from('1234.5')), 'the input tensor crossed the wire in clear')
  assert.ok(outputText.length > 10 && !seen.includes(Buffer.from(outputText.slice(1, -1))), 'the output tensor crossed the wire in clear')
})

test('encrypted requests: no streaming, and a request sealed to another key is refused in clear with a 400', async () => {
  const client = new HacaClient({ directory: directory() })
  await assert.rejects(client.chat.completions.create({ model: 'standin-chat', messages: [{ role: 'user', content: 'x' }], encrypted: true, stream: true }), EncryptedStreamError)
  const other = await HpkeKeyPair.generate()
  const { request } = await sealRequest(other.publicKey, Buffer.from(JSON.stringify({ model: 'standin-chat', messages: [] })))
  const res = await fetch(`${relayUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/haca-hpke' }, body: request })
  assert.equal(res.status, 400)
  assert.match(((await res.json()) as { error: { message: string } }).error.message, /encrypted request refused/)
  // A stream asked for inside a sealed body is refused, sealed.
  const sealed = await sealRequest(hpke.publicKey, Buffer.from(JSON.stringify({ model: 'standin-chat', messages: [{ role: 'user', content: 'x' }], stream: true })))
  const res2 = await fetch(`${relayUrl}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/haca-hpke' }, body: sealed.request })
  assert.equal(res2.status, 400)
  assert.equal(res2.headers.get('content-type'), 'application/haca-hpke')
  assert.match(new TextDecoder().decode(sealed.openResponse(new Uint8Array(await res2.arrayBuffer()))), /cannot stream/)
})
