/**
 * ONNX runs on worker threads. onnxruntime-node runs a session synchronously on the calling
 * thread, so a model that takes 50 ms would stall every other request (chat streams, health
 * checks) for 50 ms; with workers the event loop only parses, signs and writes. Each worker
 * keeps its own session per model, created on its first run there.
 */
import { Worker } from 'node:worker_threads'
import { BaseError } from '../core/errors.ts'
import type { InferenceSession } from 'onnxruntime-node'

export class OnnxWorkerError extends BaseError {
  override name = 'OnnxWorkerError' as const
  constructor({ model, reason }: { model: string; reason: string }) {
    super(`model "${model}" failed to run: ${reason}`, { code: 'onnx_run_failed' })
  }
}

export type WorkerTensor = { type: string; dims: readonly number[]; data: unknown }
type Reply = { id: number; outputs?: Record<string, WorkerTensor>; seconds?: number; error?: string }
type Slot = { worker: Worker; busy: number; models: Set<string>; pending: Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }> }

export class OnnxWorkerPool {
  private readonly slots: Slot[]
  private nextId = 0
  private closing = false

  constructor(size: number) {
    this.slots = Array.from({ length: size }, () => this.spawn())
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./onnxWorker.mjs', import.meta.url))
    worker.unref()
    const slot: Slot = { worker, busy: 0, models: new Set(), pending: new Map() }
    worker.on('message', (reply: Reply) => {
      const p = slot.pending.get(reply.id)
      if (!p) return
      slot.pending.delete(reply.id)
      slot.busy--
      p.resolve(reply)
    })
    // A worker that dies (a native crash in a model, an uncaught error) fails its own runs and is
    // replaced, idle or not: runs sent to a dead worker would never be answered.
    worker.on('error', (err) => this.replace(slot, err))
    worker.on('exit', (code) => this.replace(slot, new OnnxWorkerError({ model: [...slot.models].join(', ') || '?', reason: `its worker thread exited with code ${code}` })))
    return slot
  }

  private replace(slot: Slot, err: Error): void {
    for (const p of slot.pending.values()) p.reject(err)
    slot.pending.clear()
    const i = this.slots.indexOf(slot)
    // 'error' then 'exit' for one death: the second finds the slot already replaced.
    if (i >= 0 && !this.closing) this.slots[i] = this.spawn()
  }

  /** Runs on the least busy worker; `bytes` is asked for only when that worker lacks the model. */
  async run(model: string, bytes: () => Uint8Array, options: InferenceSession.SessionOptions, feeds: Record<string, WorkerTensor>): Promise<{ outputs: Record<string, WorkerTensor>; seconds: number }> {
    let slot = this.slots[0]
    for (const s of this.slots) if (s.busy < slot.busy) slot = s
    const id = this.nextId++
    const first = !slot.models.has(model)
    slot.models.add(model)
    slot.busy++
    const reply = await new Promise<Reply>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject })
      slot.worker.postMessage({ type: 'run', id, model, bytes: first ? bytes() : undefined, options, feeds })
    })
    if (reply.error !== undefined) {
      if (first) slot.models.delete(model)
      throw new OnnxWorkerError({ model, reason: reply.error })
    }
    return { outputs: reply.outputs!, seconds: reply.seconds! }
  }

  release(model: string): void {
    for (const s of this.slots) {
      if (s.models.delete(model)) s.worker.postMessage({ type: 'release', model })
    }
  }

  async close(): Promise<void> {
    this.closing = true
    await Promise.all(this.slots.map((s) => s.worker.terminate()))
  }
}
