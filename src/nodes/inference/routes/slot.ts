/** Runs a handler inside a concurrency slot, answering 429 with Retry-After when the queue is full. */
import type { FastifyReply } from 'fastify'
import type { NodeContext } from '../server/nodeContext.ts'
import { errorBody } from '../server/httpErrors.ts'
import { ErrorCode } from '../../../protocol/errorCodes.ts'

export async function withSlot<T>(ctx: NodeContext, reply: FastifyReply, run: () => Promise<T>): Promise<T | FastifyReply> {
  const got = ctx.limiter.acquire()
  const release = got instanceof Promise ? await got : got
  if (release === null) {
    ctx.metrics.rejected.inc()
    return reply.code(429).header('retry-after', '1').send(errorBody('the node is at capacity; retry shortly or use another node', 'rate_limit_error', ErrorCode.overloaded))
  }
  ctx.metrics.inflight.inc()
  try {
    return await run()
  } finally {
    ctx.metrics.inflight.dec()
    release()
  }
}
