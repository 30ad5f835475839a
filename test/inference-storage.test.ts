/** A node serving a model uploaded to the embedded blob store, loaded by ID through its cache. */
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildMlpModel, runMlpReference } from '../src/onnx/build.ts'
import { startStorageServer } from '../src/nodes/storage/app.ts'
import { WalrusClient } from '../src/storage/walrusClient.ts'
import { uploadModelFile } from '../src/storage/uploadModelFile.ts'
import { parseInferenceConfig } from '../src/nodes/inference/config.ts'
import { createInferenceNodeFromConfig } from '../src/nodes/inference/node.ts'
import { HacaClient } from '../src/index.ts'

const dirs: string[] = []
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

test('an uploaded model is fetched by manifest blob ID, cached, and served with a verified receipt', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'haca-inf-store-'))
  dirs.push(dir)
  const storage = await startStorageServer({ dir: join(dir, 'blobs'), shards: 10 })
  const params = { inputSize: 4, hiddenSize: 6, outputSize: 2, seed: 5 }
  await writeFile(join(dir, 'model.onnx'), buildMlpModel(params))
  const store = new WalrusClient({ publisherUrl: storage.url, aggregatorUrl: storage.url, shards: 10 })
  const uploaded = await uploadModelFile(store, join(dir, 'model.onnx'), { chunkSize: 64 })
  assert.ok(uploaded.manifest.chunks.length > 1, 'the model is stored in several chunks')

  const config = parseInferenceConfig({
    port: 0, keyFile: 'key.json', receiptDir: 'receipts', logLevel: 'error',
    storage: { url: storage.url, shards: 10, cacheDir: 'cache' },
    models: [{ id: 'stored-mlp', manifestBlobId: uploaded.manifestBlobId, sha256: uploaded.sha256, price: '4' }],
  }, join(dir, 'node.json'))
  const input = [0.5, 1, -1, 2]
  let node = await createInferenceNodeFromConfig(config)
  try {
    const url = await node.listen({ host: '127.0.0.1', port: 0 })
    const client = new HacaClient({ nodes: [{ url, address: node.address }] })
    const res = await client.infer({ model: 'stored-mlp', inputs: { input: { dims: [1, 4], type: 'float32', data: input } } })
    assert.deepEqual(res.outputs.output.data, Array.from(runMlpReference(Float32Array.from(input), params)))
    assert.equal(res.receipt.model, 'stored-mlp')
    assert.equal(res.receipt.price, 4n)
    assert.deepEqual(await readdir(join(dir, 'cache')), [`${uploaded.sha256}.onnx`])
  } finally {
    await node.close()
    await storage.close()
  }

  // With the store gone, a restarted node still serves the model from its cache.
  node = await createInferenceNodeFromConfig(config)
  try {
    const url = await node.listen({ host: '127.0.0.1', port: 0 })
    const res = await new HacaClient({ nodes: [{ url, address: node.address }] }).infer({ model: 'stored-mlp', inputs: { input: { dims: [1, 4], type: 'float32', data: input } } })
    assert.equal(res.outputs.output.data.length, 2)
  } finally {
    await node.close()
  }
})
