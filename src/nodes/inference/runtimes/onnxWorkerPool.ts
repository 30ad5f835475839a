/**
 * ONNX runs on worker threads. onnxruntime-node runs a session synchronously on the calling
 * thread, so a model that takes 50 ms would stall every other request (chat streams, health
 * checks) for 50 ms; with workers the event loop only parses, signs and writes. Each worker
 * keeps its own session per model, created on its first run there.
 */
import { Worker } from 'node:worker_threads'
import { BaseError } from '../../../core/errors.ts'
import type { InferenceSession } from 'onnxruntime-node'

export class OnnxWorkerError extends BaseError {
  override name = 'OnnxWorkerError' as const
  constructor({ model, reason }: { model: string; reason: string }) {
    super(`model "${model}" failed to run: ${reason}`, { code: 'onnx_run_failed' })
  }
}

export type WorkerTensor = { type: string; dims: readonly number[]; data: unknown }
type Reply = { id: number; outputs?: Record<string, WorkerTensor>; seconds?: number; error?: string }
type Slot = {
  worker: Worker
  busy: number
  models: Set<string>
  pending: Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>
  /** Whether it has answered a run: a worker that dies before that may die at every start. */
  answered: boolean
  /** Exited, and its successor not started yet (restart backoff). */
  dead: boolean
}

/** Why a worker exited, and when the next one starts; for the node's log. */
export type WorkerExit = { reason: string; restartInMs: number }

/** Restart delay after the n-th worker in a row died before answering a run: none for the first, then doubling to 30 s. */
export function restartDelayMs(startDeaths: number): number {
  return startDeaths <= 1 ? 0 : Math.min(30_000, 100 * 2 ** (startDeaths - 2))
}

export class OnnxWorkerPool {
  private readonly slots: Slot[]
  private nextId = 0
  private closing = false
  /** Workers in a row that died before answering a run (reset by any answer). */
  private startDeaths = 0

  constructor(size: number, private readonly onExit?: (exit: WorkerExit) => void) {
    this.slots = Array.from({ length: size }, () => this.spawn())
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./onnxWorker.mjs', import.meta.url))
    worker.unref()
    const slot: Slot = { worker, busy: 0, models: new Set(), pending: new Map(), answered: false, dead: false }
    worker.on('message', (reply: Reply) => {
      const p = slot.pending.get(reply.id)
      if (!p) return
      slot.pending.delete(reply.id)
      slot.busy--
      slot.answered = true
      this.startDeaths = 0
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
    // 'error' then 'exit' for one death: the second finds the slot already handled.
    if (slot.dead || this.closing) return
    slot.dead = true
    if (!slot.answered) this.startDeaths++
    // Workers that die at every start (a broken install) are restarted ever more slowly, not in a hot loop.
    const delay = restartDelayMs(slot.answered ? 0 : this.startDeaths)
    this.onExit?.({ reason: err.message, restartInMs: delay })
    const restart = () => {
      const i = this.slots.indexOf(slot)
      if (i >= 0 && !this.closing) this.slots[i] = this.spawn()
    }
    if (delay === 0) restart()
    else setTimeout(restart, delay).unref()
  }

  /** Runs on the least busy worker; `bytes` is asked for only when that worker lacks the model. */
  async run(model: string, bytes: () => Uint8Array, options: InferenceSession.SessionOptions, feeds: Record<string, WorkerTensor>): Promise<{ outputs: Record<string, WorkerTensor>; seconds: number }> {
    let slot: Slot | undefined
    for (const s of this.slots) if (!s.dead && (!slot || s.busy < slot.busy)) slot = s
    if (!slot) throw new OnnxWorkerError({ model, reason: `no ONNX worker thread is running: they exited ${this.startDeaths} times in a row before answering a run (restarting with backoff)` })
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
