/**
 * Local ONNX inference with onnxruntime-node. Sessions are created on first use, kept warm,
 * and bounded (least recently used is released first). Thread count and graph optimisation
 * level are pinned so the same input gives the same output bytes on the same machine.
 */
import { availableParallelism } from 'node:os'
import ort from 'onnxruntime-node'
import { readOnnxSchema } from '../../../onnx/schema.ts'
import type { OnnxIoSchema } from '../../../protocol/onnxTypes.ts'
import type { ModelSource } from '../models/modelSource.ts'
import { type TensorInput, type TensorJson, type TypedArray, checkInputs, fromTypedData, toTypedData } from '../../../protocol/tensor.ts'
import { OnnxWorkerPool, type WorkerExit } from './onnxWorkerPool.ts'
import type { ExecutionProvider, ExecutionProviderChoice } from './executionProvider.ts'

export type OnnxRuntimeOptions = {
  /** Threads inside one operator (default 1: reproducible, and a node runs many requests at once). */
  intraOpNumThreads?: number
  /** Default 'all'. */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all'
  /** Most sessions kept loaded (default 8). */
  maxSessions?: number
  /** Default 'cpu'; 'cuda' once the node has checked the machine has it (executionProvider.ts). */
  executionProvider?: ExecutionProvider
  /**
   * Worker threads that run sessions off the event loop (default: the machine's cores less
   * one, at least 1; 0: every run on the main thread). Which runs go there: see `offload`.
   */
  workers?: number
  /**
   * 'busy' (default): a run goes to a worker only while another request is in flight (`busy()`).
   * Alone, the main thread answers sooner (a hand-off costs ~0.25 ms here); under load, workers
   * run models while the event loop parses, signs and writes (for a 10 µs model too: measured,
   * onnxruntime-node's own per-run work is worth moving). 'always': every run.
   */
  offload?: 'busy' | 'always'
  /** Whether other requests are in flight now (the node passes its limiter's count). */
  busy?: () => boolean
  /** A worker thread exited (it is restarted; the node logs this). */
  onWorkerExit?: (exit: WorkerExit) => void
}

/** The `onnx` section of a node's config: the runtime's options, with the execution provider as the operator chose it. */
export type OnnxConfig = Omit<OnnxRuntimeOptions, 'executionProvider' | 'busy' | 'onWorkerExit'> & { executionProvider?: ExecutionProviderChoice }

/** A model ready to run: a session here (unless every run is offloaded), and its bytes for the workers. */
type Loaded = { session: ort.InferenceSession | null; bytes: Uint8Array; schema: OnnxIoSchema; running: number; evicted: boolean }

export type OnnxRunResult = { outputs: Record<string, TensorJson>; seconds: number; /** Where it ran. */ thread: 'main' | 'worker' }

export class OnnxRuntime {
  private readonly sessions = new Map<string, Promise<Loaded>>()
  readonly options: Readonly<Required<OnnxRuntimeOptions>>
  private poolInstance: OnnxWorkerPool | null = null

  constructor(private readonly source: ModelSource, options: OnnxRuntimeOptions = {}) {
    this.options = {
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
      graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
      maxSessions: options.maxSessions ?? 8,
      executionProvider: options.executionProvider ?? 'cpu',
      workers: options.workers ?? Math.max(1, availableParallelism() - 1),
      offload: options.offload ?? 'busy',
      busy: options.busy ?? (() => false),
      onWorkerExit: options.onWorkerExit ?? (() => {}),
    }
  }

  /** The worker threads, started on the first run that goes there. */
  private get pool(): OnnxWorkerPool {
    return (this.poolInstance ??= new OnnxWorkerPool(this.options.workers, this.options.onWorkerExit))
  }

  /** Every run on a worker: sessions then live only there. */
  private get alwaysOffloaded(): boolean {
    return this.options.workers > 0 && this.options.offload === 'always'
  }

  private offloads(): boolean {
    if (this.options.workers <= 0) return false
    // Even with every worker taken the run queues there: measured, running it here instead (when
    // no worker was idle) cost a third of the CNN's throughput at 8 in flight, as the event loop
    // then stalls the other answers' parsing, signing and writing.
    return this.alwaysOffloaded || this.options.busy()
  }

  /** The ONNX session options this runtime pins (exported so the bench runs in-process with the same). */
  sessionOptions(): ort.InferenceSession.SessionOptions {
    return {
      intraOpNumThreads: this.options.intraOpNumThreads,
      interOpNumThreads: 1,
      graphOptimizationLevel: this.options.graphOptimizationLevel,
      executionMode: 'sequential',
      executionProviders: [this.options.executionProvider],
    }
  }

  private session(model: string): Promise<Loaded> {
    const hit = this.sessions.get(model)
    if (hit) {
      // Re-insert to mark it most recently used.
      this.sessions.delete(model)
      this.sessions.set(model, hit)
      return hit
    }
    const loading = (async () => {
      const bytes = await this.source.load(model)
      const schema = readOnnxSchema(bytes)
      // Offloading every run, sessions live in the workers; creating one here still proves the model loads.
      const session = await ort.InferenceSession.create(bytes, this.sessionOptions())
      if (this.alwaysOffloaded) await session.release()
      return { session: this.alwaysOffloaded ? null : session, bytes, schema, running: 0, evicted: false }
    })()
    this.sessions.set(model, loading)
    // A failed load is not cached, so a fixed file is picked up by the next request.
    loading.catch(() => this.sessions.get(model) === loading && this.sessions.delete(model))
    while (this.sessions.size > this.options.maxSessions) {
      const [oldest, p] = this.sessions.entries().next().value as [string, Promise<Loaded>]
      this.sessions.delete(oldest)
      p.then((l) => {
        l.evicted = true
        this.poolInstance?.release(oldest)
        if (l.running === 0) void l.session?.release()
      }, () => {})
    }
    return loading
  }

  /** The model's declared inputs and outputs (loads it if needed). */
  async schema(model: string): Promise<OnnxIoSchema> {
    return (await this.session(model)).schema
  }

  /** Runs a model; input mistakes throw InvalidTensorError naming the input. */
  async run(model: string, inputs: Record<string, TensorInput>): Promise<OnnxRunResult> {
    const loaded = await this.session(model)
    checkInputs(inputs, loaded.schema.inputs)
    const typed: Record<string, { type: TensorJson['type']; dims: number[]; data: TypedArray }> = {}
    for (const [name, t] of Object.entries(inputs)) {
      const data = toTypedData(name, t)
      typed[name] = { type: t.type, dims: t.dims, data: Array.isArray(data) ? Uint8Array.from(data, (b) => (b ? 1 : 0)) : data }
    }
    const outputs: Record<string, TensorJson> = {}
    if (this.offloads()) {
      const { outputs: raw, seconds } = await this.pool.run(model, () => loaded.bytes, this.sessionOptions(), typed)
      for (const [name, t] of Object.entries(raw)) outputs[name] = fromTypedData(t.type, t.dims, t.data)
      return { outputs, seconds, thread: 'worker' }
    }
    const session = loaded.session!
    const feeds: Record<string, ort.Tensor> = {}
    for (const [name, t] of Object.entries(typed)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims)
    loaded.running++
    const started = process.hrtime.bigint()
    let results: ort.InferenceSession.OnnxValueMapType
    try {
      results = await session.run(feeds)
    } finally {
      loaded.running--
      if (loaded.evicted && loaded.running === 0) void session.release()
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    for (const name of session.outputNames) {
      const t = results[name] as ort.Tensor
      outputs[name] = fromTypedData(t.type, t.dims, t.data)
    }
    return { outputs, seconds, thread: 'main' }
  }

  async close(): Promise<void> {
    const all = [...this.sessions.values()]
    this.sessions.clear()
    for (const p of all) {
      try {
        await (await p).session?.release()
      } catch {
        // A session that failed to load has nothing to release.
      }
    }
    await this.poolInstance?.close()
  }
}
