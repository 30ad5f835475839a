/**
 * Bounded concurrency for the work routes: at most `maxConcurrent` requests run, at most
 * `maxQueue` wait; past that the node answers 429 with Retry-After at once, rather than
 * letting latency grow without bound.
 */
import { sharedPlugin } from '../../../core/http/fastifyPlugin.ts'

export class ConcurrencyLimiter {
  private active = 0
  private readonly waiting: (() => void)[] = []

  constructor(readonly maxConcurrent: number, readonly maxQueue: number) {}

  get running(): number {
    return this.active
  }

  get queued(): number {
    return this.waiting.length
  }

  /** Resolves to a release function, or null when the queue is full (answer 429). */
  acquire(): Promise<(() => void) | null> | (() => void) | null {
    if (this.active < this.maxConcurrent) {
      this.active++
      return this.releaser()
    }
    if (this.waiting.length >= this.maxQueue) return null
    return new Promise((resolve) => this.waiting.push(() => resolve(this.releaser())))
  }

  private releaser(): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiting.shift()
      // The slot passes straight to the next waiter, so `active` stays the same.
      if (next) next()
      else this.active--
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Bounds the work routes (routes/slot.ts) and tells the runtimes when the node is busy. */
    limiter: ConcurrencyLimiter
  }
}

export const limiterPlugin = sharedPlugin(async (app, { maxConcurrent, maxQueue }: { maxConcurrent: number; maxQueue: number }) => {
  app.decorate('limiter', new ConcurrencyLimiter(maxConcurrent, maxQueue))
}, { name: 'haca-limiter' })
