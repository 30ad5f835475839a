/**
 * Local ONNX inference with onnxruntime-node. Sessions are created on first use, kept warm,
 * and bounded (least recently used is released first). Thread count and graph optimisation
 * level are pinned so the same input gives the same output bytes on the same machine.
 */
import ort from 'onnxruntime-node'
import { readOnnxSchema } from '../onnx/schema.ts'
import type { OnnxIoSchema } from '../onnx/types.ts'
import type { ModelSource } from './modelSource.ts'
import { type TensorJson, checkInputs, fromTypedData, toTypedData } from './tensor.ts'

export type OnnxRuntimeOptions = {
  /** Threads inside one operator (default 1: reproducible, and a node runs many requests at once). */
  intraOpNumThreads?: number
  /** Default 'all'. */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all'
  /** Most sessions kept loaded (default 8). */
  maxSessions?: number
  /** 'cuda' only when the machine has it and the operator asks for it. */
  executionProvider?: 'cpu' | 'cuda'
}

type Loaded = { session: ort.InferenceSession; schema: OnnxIoSchema; running: number; evicted: boolean }

export type OnnxRunResult = { outputs: Record<string, TensorJson>; seconds: number }

export class OnnxRuntime {
  private readonly sessions = new Map<string, Promise<Loaded>>()
  private readonly options: Required<OnnxRuntimeOptions>

  constructor(private readonly source: ModelSource, options: OnnxRuntimeOptions = {}) {
    this.options = {
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
      graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
      maxSessions: options.maxSessions ?? 8,
      executionProvider: options.executionProvider ?? 'cpu',
    }
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
      const session = await ort.InferenceSession.create(bytes, this.sessionOptions())
      return { session, schema, running: 0, evicted: false }
    })()
    this.sessions.set(model, loading)
    // A failed load is not cached, so a fixed file is picked up by the next request.
    loading.catch(() => this.sessions.get(model) === loading && this.sessions.delete(model))
    while (this.sessions.size > this.options.maxSessions) {
      const [oldest, p] = this.sessions.entries().next().value as [string, Promise<Loaded>]
      this.sessions.delete(oldest)
      p.then((l) => {
        l.evicted = true
        if (l.running === 0) void l.session.release()
      }, () => {})
    }
    return loading
  }

  /** The model's declared inputs and outputs (loads it if needed). */
  async schema(model: string): Promise<OnnxIoSchema> {
    return (await this.session(model)).schema
  }

  /** Runs a model; input mistakes throw InvalidTensorError naming the input. */
  async run(model: string, inputs: Record<string, TensorJson>): Promise<OnnxRunResult> {
    const loaded = await this.session(model)
    checkInputs(inputs, loaded.schema.inputs)
    const feeds: Record<string, ort.Tensor> = {}
    for (const [name, t] of Object.entries(inputs)) {
      const data = toTypedData(name, t)
      feeds[name] = new ort.Tensor(t.type, Array.isArray(data) ? Uint8Array.from(data, (b) => (b ? 1 : 0)) : data, t.dims)
    }
    loaded.running++
    const started = process.hrtime.bigint()
    let results: ort.InferenceSession.OnnxValueMapType
    try {
      results = await loaded.session.run(feeds)
    } finally {
      loaded.running--
      if (loaded.evicted && loaded.running === 0) void loaded.session.release()
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    const outputs: Record<string, TensorJson> = {}
    for (const name of loaded.session.outputNames) {
      const t = results[name] as ort.Tensor
      outputs[name] = fromTypedData(t.type, t.dims, t.data)
    }
    return { outputs, seconds }
  }

  async close(): Promise<void> {
    const all = [...this.sessions.values()]
    this.sessions.clear()
    for (const p of all) {
      try {
        await (await p).session.release()
      } catch {
        // A session that failed to load has nothing to release.
      }
    }
  }
}
