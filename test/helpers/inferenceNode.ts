/** What the inference tests start again and again: the chat stand-in, and a node serving one MLP and one chat model through it. */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { LLMock } from '@copilotkit/aimock'
import { buildMlpModel } from '../../src/onnx/build.ts'
import { generatePrivateKey } from '../../src/core/keys.ts'
import { createInferenceNode, type InferenceNode } from '../../src/nodes/inference/node.ts'
import { FileModelSource } from '../../src/nodes/inference/models/modelSource.ts'
import { OpenAIProvider } from '../../src/nodes/inference/providers/openaiProvider.ts'

/** The provider stand-in (aimock on loopback), answering "hello" with "Hi there, friend!"; `configure` adds more before it starts. */
export async function startChatStandIn(configure?: (mock: LLMock) => void): Promise<LLMock> {
  const mock = new LLMock({ port: 0, host: '127.0.0.1' })
  mock.onMessage('hello', { content: 'Hi there, friend!' })
  configure?.(mock)
  await mock.start()
  return mock
}

/**
 * A node in `dir` serving model "mlp" (buildMlpModel with `mlpSeed`, written to dir/mlp.onnx)
 * and chat model "gpt-test" through `mock`, listening on loopback.
 */
export async function startMlpChatNode({ dir, mock, mlpSeed, mlpPrice, chatPrice }: { dir: string; mock: LLMock; mlpSeed?: number; mlpPrice: bigint; chatPrice: bigint }): Promise<{ node: InferenceNode; url: string }> {
  await writeFile(join(dir, 'mlp.onnx'), buildMlpModel(mlpSeed === undefined ? {} : { seed: mlpSeed }))
  const node = await createInferenceNode({
    privateKey: generatePrivateKey(),
    receiptDir: join(dir, 'receipts'),
    models: new FileModelSource([{ id: 'mlp', path: join(dir, 'mlp.onnx'), price: mlpPrice }]),
    providers: [{ provider: new OpenAIProvider({ name: 'mock', baseURL: `${mock.url}/v1`, apiKey: 'k' }), models: ['gpt-test'], price: chatPrice }],
  })
  return { node, url: await node.listen({ host: '127.0.0.1', port: 0 }) }
}
