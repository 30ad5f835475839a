/**
 * Inference fast-path bench. Prints, for a small ONNX MLP:
 *   - p50/p99 latency and requests/s through an inference node over HTTP, with the load coming
 *     from this process and the node running as a second process (`haca node inference`);
 *   - the same model run in-process with onnxruntime-node (same session options), at the same
 *     concurrency; the ratio of the two throughputs and the node's added latency;
 * and for chat, the node's added latency over calling the provider stand-in (aimock on
 * loopback) directly. Every node answer includes signing its receipt and the receipt log's
 * group-committed synchronous write (O_DSYNC).
 *
 * Usage: node --import tsx bench/inference.ts [--seconds 5] [--concurrency 1,8] [--workers N] [--json]
 * (--workers: the node's ONNX worker threads, config onnx.workers; default 0 = main thread)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import ort from 'onnxruntime-node'
import { LLMock } from '@copilotkit/aimock'
import { buildMlpModel } from '../src/onnx/build.ts'

const { values } = parseArgs({ options: { seconds: { type: 'string' }, concurrency: { type: 'string' }, workers: { type: 'string' }, json: { type: 'boolean' } } })
const SECONDS = Number(values.seconds ?? 5)
const CONCURRENCY = (values.concurrency ?? '1,8').split(',').map(Number)
// Two small MLPs: one so small that HTTP is all there is to measure (~10 µs a run), and one
// where the model does some work (~1M multiply-adds).
const MODELS = [
  { id: 'mlp-tiny', params: { inputSize: 16, hiddenSize: 32, outputSize: 4, seed: 1 } },
  { id: 'mlp-1m', params: { inputSize: 256, hiddenSize: 2048, outputSize: 256, seed: 2 } },
]
const inputFor = (size: number) => Array.from({ length: size }, (_, i) => (i % 5) / 4 - 0.5)

type Run = { p50: number; p99: number; rps: number; count: number }

function summarize(latencies: number[], seconds: number): Run {
  const sorted = Float64Array.from(latencies).sort()
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
  return { p50: at(0.5), p99: at(0.99), rps: latencies.length / seconds, count: latencies.length }
}

/** Runs `once` from `concurrency` loops for `seconds`; latencies in ms. */
async function drive(concurrency: number, seconds: number, once: () => Promise<void>): Promise<Run> {
  const latencies: number[] = []
  const end = performance.now() + seconds * 1000
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const t = performance.now()
      await once()
      latencies.push(performance.now() - t)
    }
  }))
  return summarize(latencies, (performance.now() - started) / 1000)
}

function poster(url: string, path: string, body: string, agent: http.Agent): () => Promise<void> {
  const target = new URL(url)
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
  return () => new Promise((resolve, reject) => {
    const req = http.request({ host: target.hostname, port: target.port, path, method: 'POST', headers, agent }, (res) => {
      res.on('data', () => {})
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${path} answered ${res.statusCode}`))))
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function startNode(config: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'bin', 'haca.js'), 'node', 'inference', '--config', config, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] })
  let text = ''
  for await (const line of createInterface({ input: child.stdout! })) {
    text += line
    try {
      return { child, url: (JSON.parse(text) as { url: string }).url }
    } catch {
      // Multi-line JSON: keep reading.
    }
  }
  throw new Error('the node exited before listening')
}

const fmt = (n: number) => n.toFixed(3)

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'haca-bench-'))
  const modelBytes = MODELS.map((m) => buildMlpModel(m.params))
  for (const [i, m] of MODELS.entries()) await writeFile(join(dir, `${m.id}.onnx`), modelBytes[i])
  const mock = new LLMock({ port: 0, host: '127.0.0.1' })
  mock.onMessage('bench', { content: 'A short answer for the bench.' })
  await mock.start()
  const onnxOptions = { intraOpNumThreads: 1, graphOptimizationLevel: 'all' as const }
  const workers = Number(values.workers ?? 0)
  await writeFile(join(dir, 'node.json'), JSON.stringify({
    host: '127.0.0.1', port: 0, keyFile: 'key.json', receiptDir: 'receipts', logLevel: 'error', maxConcurrent: 256, maxQueue: 4096, onnx: { ...onnxOptions, workers },
    models: MODELS.map((m) => ({ id: m.id, path: `${m.id}.onnx`, price: '1' })),
    providers: [{ name: 'aimock', kind: 'openai', baseURL: `${mock.url}/v1`, apiKey: 'bench', models: ['gpt-bench'], price: '1' }],
  }))
  const { child, url } = await startNode(join(dir, 'node.json'))
  const sessions = await Promise.all(modelBytes.map((bytes) => ort.InferenceSession.create(bytes, { ...onnxOptions, interOpNumThreads: 1, executionMode: 'sequential', executionProviders: ['cpu'] })))
  const results: Record<string, unknown> = {}
  try {
    const chatBody = JSON.stringify({ model: 'gpt-bench', messages: [{ role: 'user', content: 'bench' }] })
    for (const c of CONCURRENCY) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: c })
      const row: Record<string, unknown> = {}
      if (!values.json) process.stdout.write(`\nconcurrency ${c} (${SECONDS}s per run; latencies in ms)\n`)
      for (const [i, m] of MODELS.entries()) {
        const input = inputFor(m.params.inputSize)
        const viaNode = poster(url, '/v1/infer', JSON.stringify({ model: m.id, inputs: { input: { dims: [1, m.params.inputSize], type: 'float32', data: input } } }), agent)
        const inProcess = async () => { await sessions[i].run({ input: new ort.Tensor('float32', Float32Array.from(input), [1, m.params.inputSize]) }) }
        // Warm both paths (session creation, JIT, sockets) before measuring.
        await drive(c, 1, viaNode)
        await drive(c, 1, inProcess)
        const node = await drive(c, SECONDS, viaNode)
        const local = await drive(c, SECONDS, inProcess)
        row[m.id] = { node, inProcess: local, addedP50: node.p50 - local.p50, addedP99: node.p99 - local.p99, throughputRatio: node.rps / local.rps }
        if (!values.json) {
          process.stdout.write(`  ${m.id} via node (HTTP, 2nd process)  p50 ${fmt(node.p50)}  p99 ${fmt(node.p99)}  ${node.rps.toFixed(0)} req/s\n`)
          process.stdout.write(`  ${m.id} in-process                  p50 ${fmt(local.p50)}  p99 ${fmt(local.p99)}  ${local.rps.toFixed(0)} req/s\n`)
          process.stdout.write(`  ${m.id}: node adds p50 ${fmt(node.p50 - local.p50)}  p99 ${fmt(node.p99 - local.p99)}; node throughput ${(100 * node.rps / local.rps).toFixed(1)}% of in-process\n`)
        }
      }
      const chatNode = poster(url, '/v1/chat/completions', chatBody, agent)
      const chatDirect = poster(mock.url, '/v1/chat/completions', chatBody, agent)
      await drive(c, 1, chatNode)
      await drive(c, 1, chatDirect)
      const viaNodeChat = await drive(c, SECONDS, chatNode)
      const direct = await drive(c, SECONDS, chatDirect)
      // Streaming: time to the end of the stream (for the node, after its receipt event).
      const streamBody = JSON.stringify({ model: 'gpt-bench', messages: [{ role: 'user', content: 'bench' }], stream: true })
      const streamNode = poster(url, '/v1/chat/completions', streamBody, agent)
      const streamDirect = poster(mock.url, '/v1/chat/completions', streamBody, agent)
      await drive(c, 1, streamNode)
      await drive(c, 1, streamDirect)
      const viaNodeStream = await drive(c, SECONDS, streamNode)
      const directStream = await drive(c, SECONDS, streamDirect)
      agent.destroy()
      row.chat = { node: viaNodeChat, direct, addedP50: viaNodeChat.p50 - direct.p50, addedP99: viaNodeChat.p99 - direct.p99 }
      row.chatStream = { node: viaNodeStream, direct: directStream, addedP50: viaNodeStream.p50 - directStream.p50, addedP99: viaNodeStream.p99 - directStream.p99 }
      results[`c${c}`] = row
      if (!values.json) {
        process.stdout.write(`  chat via node                      p50 ${fmt(viaNodeChat.p50)}  p99 ${fmt(viaNodeChat.p99)}  ${viaNodeChat.rps.toFixed(0)} req/s\n`)
        process.stdout.write(`  chat direct to aimock              p50 ${fmt(direct.p50)}  p99 ${fmt(direct.p99)}  ${direct.rps.toFixed(0)} req/s\n`)
        process.stdout.write(`  chat: node adds p50 ${fmt(viaNodeChat.p50 - direct.p50)}  p99 ${fmt(viaNodeChat.p99 - direct.p99)}\n`)
        process.stdout.write(`  chat stream via node               p50 ${fmt(viaNodeStream.p50)}  p99 ${fmt(viaNodeStream.p99)}  ${viaNodeStream.rps.toFixed(0)} req/s\n`)
        process.stdout.write(`  chat stream direct to aimock       p50 ${fmt(directStream.p50)}  p99 ${fmt(directStream.p99)}  ${directStream.rps.toFixed(0)} req/s\n`)
        process.stdout.write(`  chat stream: node adds p50 ${fmt(viaNodeStream.p50 - directStream.p50)}  p99 ${fmt(viaNodeStream.p99 - directStream.p99)}\n`)
      }
    }
    // The node's own view: time inside the server per request and per receipt group commit.
    const metrics = await (await fetch(`${url}/metrics`)).text()
    const mean = (name: string, label = '') => {
      const sum = Number(new RegExp(`^${name}_sum${label}\\s+(\\S+)`, 'm').exec(metrics)?.[1])
      const count = Number(new RegExp(`^${name}_count${label}\\s+(\\S+)`, 'm').exec(metrics)?.[1])
      return { mean: sum / count, count }
    }
    const serverInfer = mean('haca_inference_request_duration_seconds', '\\{route="/v1/infer"\\}')
    const flush = mean('haca_inference_receipt_flush_seconds')
    const batch = mean('haca_inference_receipt_flush_batch_size')
    results.server = { inferMeanMs: serverInfer.mean * 1000, receiptFlushMeanMs: flush.mean * 1000, receiptsPerFlush: batch.mean }
    if (values.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`)
    else process.stdout.write(`\nnode's own view (all runs): /v1/infer mean ${fmt(serverInfer.mean * 1000)} ms in the server; receipt group commit mean ${fmt(flush.mean * 1000)} ms, ${batch.mean.toFixed(2)} receipts per commit (${flush.count} commits)\n`)
  } finally {
    child.kill('SIGTERM')
    for (const session of sessions) await session.release()
    await mock.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
