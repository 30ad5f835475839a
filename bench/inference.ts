/**
 * Inference fast-path bench. Prints, for each of four small ONNX models (two MLPs, a CIFAR-sized
 * CNN, and the same CNN on 64x64 images, whose ~7 ms run dominates an answer's HTTP cost):
 *   - p50/p99 latency and requests/s through an inference node over HTTP, with the load coming
 *     from this process and the node running as a second process (`haca node inference`);
 *   - the same model run in-process with onnxruntime-node (same session options), at the same
 *     concurrency; the ratio of the two throughputs and the node's added latency. Note that
 *     onnxruntime-node runs a session synchronously on the calling thread, so in-process runs
 *     use one core at any concurrency; the node hands runs to worker threads while other
 *     requests wait (its default; --workers 0: never);
 * the HTTP floor: the same mlp-tiny request to a bare node:http server in a second process, against
 * the node (row http-floor: what the node's own work adds over the HTTP exchange itself);
 * and for chat, the node's added latency over calling the provider stand-in (aimock on
 * loopback) directly. Every node answer includes signing its receipt and writing it to the
 * receipt log (the node's default, --receipt-sync background: a plain write before the answer
 * leaves, the disk flush right after, off the answer's path; per-append: a group-committed
 * O_DSYNC write that the answer waits for).
 *
 * Usage: node --import tsx bench/inference.ts [--seconds 5] [--concurrency 1,8] [--workers N] [--offload busy|always]
 *          [--receipt-sync per-append|background] [--only mlp-tiny,mlp-1m,cnn-cifar,cnn-cifar-b64,cnn-64px-b64,http-floor,chat] [--profile DIR] [--json]
 * (--only: the rows to run, default all;
 * --workers: the node's ONNX worker threads, config onnx.workers (default: the node's, cores - 1);
 * --offload always: every run on a worker (config onnx.offload; default busy);
 * --profile: the node process writes a V8 CPU profile into DIR when the bench ends)
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
import { buildCnnModel } from '../src/onnx/buildCnn.ts'
import { base64Tensor } from '../src/protocol/tensor.ts'

const { values } = parseArgs({ options: { seconds: { type: 'string' }, concurrency: { type: 'string' }, workers: { type: 'string' }, profile: { type: 'string' }, only: { type: 'string' }, json: { type: 'boolean' }, 'receipt-sync': { type: 'string' }, offload: { type: 'string' } } })
const SECONDS = Number(values.seconds ?? 5)
const CONCURRENCY = (values.concurrency ?? '1,8').split(',').map(Number)
const ONLY = values.only?.split(',')
// Two small MLPs: one so small that HTTP is all there is to measure (~10 µs a run), one where
// the model does some work (~1M multiply-adds, ~0.15 ms); and a CNN that does real work
// (~150M multiply-adds, ~2 ms a run on one thread), the size of a small image classifier.
// The MLPs get short decimals; the CNN gets pixels scaled to [0, 1] (k/255: 16-17 digits
// each in JSON), the body a real image client sends (~55 KB for 3,072 values).
const shortValues = (size: number) => Array.from({ length: size }, (_, i) => (i % 5) / 4 - 0.5)
const pixels = (size: number) => Array.from({ length: size }, (_, i) => ((i * 37) % 256) / 255)
// Each row sends its input as JSON numbers, except cnn-cifar-b64: the same model and pixels as
// base64 of their float32 bytes (`base64Tensor`, what the SDK offers clients with typed arrays).
const MODELS = [
  { id: 'mlp-tiny', model: 'mlp-tiny', bytes: () => buildMlpModel({ inputSize: 16, hiddenSize: 32, outputSize: 4, seed: 1 }), dims: [1, 16], input: shortValues, base64: false },
  { id: 'mlp-1m', model: 'mlp-1m', bytes: () => buildMlpModel({ inputSize: 256, hiddenSize: 2048, outputSize: 256, seed: 2 }), dims: [1, 256], input: shortValues, base64: false },
  { id: 'cnn-cifar', model: 'cnn-cifar', bytes: () => buildCnnModel({ seed: 3 }), dims: [1, 3, 32, 32], input: pixels, base64: false },
  { id: 'cnn-cifar-b64', model: 'cnn-cifar', bytes: () => buildCnnModel({ seed: 3 }), dims: [1, 3, 32, 32], input: pixels, base64: true },
  // The same network on 64x64 images (the same weights, four times the work: ~7 ms a run), as
  // base64: a small model whose run time dominates what an answer costs over HTTP.
  { id: 'cnn-64px-b64', model: 'cnn-64px', bytes: () => buildCnnModel({ seed: 3, size: 64 }), dims: [1, 3, 64, 64], input: pixels, base64: true },
].filter((m) => !ONLY || ONLY.includes(m.id))
const CHAT = !ONLY || ONLY.includes('chat')
const FLOOR = !ONLY || ONLY.includes('http-floor')

type Run = { p50: number; p99: number; rps: number; count: number }

function summarize(latencies: number[], seconds: number): Run {
  const sorted = Float64Array.from(latencies).sort()
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
  return { p50: at(0.5), p99: at(0.99), rps: latencies.length / seconds, count: latencies.length }
}

/** Runs `once` from `concurrency` loops for `seconds`, adding latencies (ms) to `into`; returns the seconds it took. */
async function driveInto(into: number[], concurrency: number, seconds: number, once: () => Promise<void>): Promise<number> {
  const end = performance.now() + seconds * 1000
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const t = performance.now()
      await once()
      into.push(performance.now() - t)
    }
  }))
  return (performance.now() - started) / 1000
}

/**
 * Measures two ways of doing the same thing, in half-second slices taken in turn for
 * `seconds` each, so that load from other processes on the machine falls on both alike
 * (one long run after the other compared two different moments).
 */
async function compare(concurrency: number, seconds: number, a: () => Promise<void>, b: () => Promise<void>): Promise<[Run, Run]> {
  // Warm both paths (session creation, JIT, sockets) before measuring.
  await driveInto([], concurrency, 1, a)
  await driveInto([], concurrency, 1, b)
  const latA: number[] = []
  const latB: number[] = []
  let timeA = 0
  let timeB = 0
  for (let slice = 0; slice < seconds * 2; slice++) {
    timeA += await driveInto(latA, concurrency, 0.5, a)
    timeB += await driveInto(latB, concurrency, 0.5, b)
  }
  return [summarize(latA, timeA), summarize(latB, timeB)]
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

/**
 * The HTTP floor: a bare node:http server in a second process that reads the body and answers a
 * small JSON object (what an answer costs over loopback with no node work at all).
 */
const FLOOR_SERVER = `
  const http = require('node:http')
  const answer = JSON.stringify({ model: 'm', outputs: { output: { dims: [1, 4], type: 'float32', data: [0.25, -0.5, 0.75, 1] } } })
  const server = http.createServer((req, res) => {
    req.on('data', () => {})
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) }).end(answer))
  })
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: 'http://127.0.0.1:' + server.address().port })))
`

async function startFloor(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-e', FLOOR_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] })
  for await (const line of createInterface({ input: child.stdout! })) return { child, url: (JSON.parse(line) as { url: string }).url }
  throw new Error('the floor server exited before listening')
}

async function startNode(config: string, profileDir?: string): Promise<{ child: ChildProcess; url: string }> {
  const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []
  const child = spawn(process.execPath, [...profile, join(import.meta.dirname, '..', 'bin', 'haca.js'), 'node', 'inference', '--config', config, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] })
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
const printRun = (label: string, r: Run) => process.stdout.write(`  ${label.padEnd(38)}  p50 ${fmt(r.p50)}  p99 ${fmt(r.p99)}  ${r.rps.toFixed(0)} req/s\n`)

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'haca-bench-'))
  const modelBytes = MODELS.map((m) => m.bytes())
  for (const [i, m] of MODELS.entries()) await writeFile(join(dir, `${m.model}.onnx`), modelBytes[i])
  const mock = new LLMock({ port: 0, host: '127.0.0.1' })
  mock.onMessage('bench', { content: 'A short answer for the bench.' })
  await mock.start()
  const onnxOptions = { intraOpNumThreads: 1, graphOptimizationLevel: 'all' as const }
  const onnxConfig = { ...onnxOptions, ...(values.workers ? { workers: Number(values.workers) } : {}), ...(values.offload ? { offload: values.offload } : {}) }
  const workers = `${values.workers ?? 'default'}, offload ${values.offload ?? 'busy'}`
  await writeFile(join(dir, 'node.json'), JSON.stringify({
    host: '127.0.0.1', port: 0, keyFile: 'key.json', receiptDir: 'receipts', logLevel: 'error', maxConcurrent: 256, maxQueue: 4096, onnx: onnxConfig,
    ...(values['receipt-sync'] ? { receiptLog: { sync: values['receipt-sync'] } } : {}),
    models: [...new Set(MODELS.map((m) => m.model))].map((id) => ({ id, path: `${id}.onnx`, price: '1' })),
    providers: [{ name: 'aimock', kind: 'openai', baseURL: `${mock.url}/v1`, apiKey: 'bench', models: ['gpt-bench'], price: '1' }],
  }))
  const { child, url } = await startNode(join(dir, 'node.json'), values.profile)
  const floor = FLOOR ? await startFloor() : undefined
  const sessions = await Promise.all(modelBytes.map((bytes) => ort.InferenceSession.create(bytes, { ...onnxOptions, interOpNumThreads: 1, executionMode: 'sequential', executionProviders: ['cpu'] })))
  const results: Record<string, unknown> = {}
  try {
    const chatBody = JSON.stringify({ model: 'gpt-bench', messages: [{ role: 'user', content: 'bench' }] })
    for (const c of CONCURRENCY) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: c })
      const row: Record<string, unknown> = {}
      if (!values.json) process.stdout.write(`\nconcurrency ${c} (${SECONDS}s per row, in half-second slices alternating with its pair; latencies in ms; node ONNX workers: ${workers}; receipt sync: ${values['receipt-sync'] ?? 'background (default)'})\n`)
      for (const [i, m] of MODELS.entries()) {
        const input = m.input(m.dims.reduce((a, b) => a * b, 1))
        const tensor = m.base64 ? base64Tensor({ type: 'float32', dims: m.dims, data: Float32Array.from(input) }) : { dims: m.dims, type: 'float32', data: input }
        const viaNode = poster(url, '/v1/infer', JSON.stringify({ model: m.model, inputs: { input: tensor } }), agent)
        const inProcess = async () => { await sessions[i].run({ input: new ort.Tensor('float32', Float32Array.from(input), m.dims) }) }
        const [node, local] = await compare(c, SECONDS, viaNode, inProcess)
        row[m.id] = { node, inProcess: local, addedP50: node.p50 - local.p50, addedP99: node.p99 - local.p99, throughputRatio: node.rps / local.rps }
        if (!values.json) {
          printRun(`${m.id} via node (HTTP, 2nd process)`, node)
          printRun(`${m.id} in-process`, local)
          process.stdout.write(`  ${m.id}: node adds p50 ${fmt(node.p50 - local.p50)}  p99 ${fmt(node.p99 - local.p99)}; node throughput ${(100 * node.rps / local.rps).toFixed(1)}% of in-process\n`)
        }
      }
      if (floor) {
        // The same mlp-tiny request to the node and to a bare HTTP server, slices alternating: what
        // the node's own work adds to an answer over the cost of the HTTP exchange itself.
        const body = JSON.stringify({ model: 'mlp-tiny', inputs: { input: { dims: [1, 16], type: 'float32', data: shortValues(16) } } })
        const [bare, node] = await compare(c, SECONDS, poster(floor.url, '/', body, agent), poster(url, '/v1/infer', body, agent))
        row.httpFloor = { bare, node, nodeOverFloorP50: node.p50 - bare.p50 }
        if (!values.json) {
          printRun('bare node:http server (HTTP floor)', bare)
          printRun('mlp-tiny via node, same body', node)
          process.stdout.write(`  HTTP floor: the node's own work adds p50 ${fmt(node.p50 - bare.p50)}  p99 ${fmt(node.p99 - bare.p99)} to an answer\n`)
        }
      }
      if (!CHAT) {
        agent.destroy()
        results[`c${c}`] = row
        continue
      }
      const chatNode = poster(url, '/v1/chat/completions', chatBody, agent)
      const chatDirect = poster(mock.url, '/v1/chat/completions', chatBody, agent)
      const [viaNodeChat, direct] = await compare(c, SECONDS, chatNode, chatDirect)
      // Streaming: time to the end of the stream (for the node, after its receipt event).
      const streamBody = JSON.stringify({ model: 'gpt-bench', messages: [{ role: 'user', content: 'bench' }], stream: true })
      const streamNode = poster(url, '/v1/chat/completions', streamBody, agent)
      const streamDirect = poster(mock.url, '/v1/chat/completions', streamBody, agent)
      const [viaNodeStream, directStream] = await compare(c, SECONDS, streamNode, streamDirect)
      agent.destroy()
      row.chat = { node: viaNodeChat, direct, addedP50: viaNodeChat.p50 - direct.p50, addedP99: viaNodeChat.p99 - direct.p99 }
      row.chatStream = { node: viaNodeStream, direct: directStream, addedP50: viaNodeStream.p50 - directStream.p50, addedP99: viaNodeStream.p99 - directStream.p99 }
      results[`c${c}`] = row
      if (!values.json) {
        printRun('chat via node', viaNodeChat)
        printRun('chat direct to aimock', direct)
        process.stdout.write(`  chat: node adds p50 ${fmt(viaNodeChat.p50 - direct.p50)}  p99 ${fmt(viaNodeChat.p99 - direct.p99)}\n`)
        printRun('chat stream via node', viaNodeStream)
        printRun('chat stream direct to aimock', directStream)
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
    // The model's own run time inside the node (session.run alone): against the in-process p50,
    // it shows how much of what the node adds is the run itself being slower there.
    const runs = Object.fromEntries([...new Set(MODELS.map((m) => m.model))].map((id) => [id, mean('haca_inference_runtime_duration_seconds', `\\{runtime="onnx",model="${id}"\\}`).mean * 1000]))
    results.server = { inferMeanMs: serverInfer.mean * 1000, receiptFlushMeanMs: flush.mean * 1000, receiptsPerFlush: batch.mean, modelRunMeanMs: runs }
    if (values.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`)
    else process.stdout.write(`\nnode's own view (all runs): /v1/infer mean ${fmt(serverInfer.mean * 1000)} ms in the server; receipt group commit mean ${fmt(flush.mean * 1000)} ms, ${batch.mean.toFixed(2)} receipts per commit (${flush.count} commits); model run in the node, mean ms: ${Object.entries(runs).map(([id, ms]) => `${id} ${fmt(ms)}`).join(', ')}\n`)
  } finally {
    // Waiting for the exit lets a profiling node write its profile.
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    floor?.child.kill('SIGTERM')
    await exited
    for (const session of sessions) await session.release()
    await mock.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
