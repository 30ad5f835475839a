/** Prometheus metrics of one inference node, in its own registry (several nodes can share a process in tests). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { sharedPlugin } from '../../../core/http/fastifyPlugin.ts'

export type NodeMetrics = ReturnType<typeof createNodeMetrics>

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

export function createNodeMetrics({ defaultMetrics = false }: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry()
  if (defaultMetrics) collectDefaultMetrics({ register: registry })
  return {
    registry,
    requests: new Counter({ name: 'haca_inference_requests_total', help: 'HTTP requests answered, by route and status', labelNames: ['route', 'status'] as const, registers: [registry] }),
    latency: new Histogram({ name: 'haca_inference_request_duration_seconds', help: 'Time from request to the last byte of the answer', labelNames: ['route'] as const, buckets: LATENCY_BUCKETS, registers: [registry] }),
    runtime: new Histogram({ name: 'haca_inference_runtime_duration_seconds', help: 'Time spent in the runtime (ONNX session run, provider call)', labelNames: ['runtime', 'model'] as const, buckets: LATENCY_BUCKETS, registers: [registry] }),
    errors: new Counter({ name: 'haca_inference_errors_total', help: 'Failed requests by route and error code', labelNames: ['route', 'code'] as const, registers: [registry] }),
    rejected: new Counter({ name: 'haca_inference_overload_rejections_total', help: 'Requests refused with 429 because the queue was full', registers: [registry] }),
    inflight: new Gauge({ name: 'haca_inference_inflight_requests', help: 'Requests running now', registers: [registry] }),
    receiptFlush: new Histogram({ name: 'haca_inference_receipt_flush_seconds', help: 'One group commit of the receipt log (one O_DSYNC write)', buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1], registers: [registry] }),
    receiptBatch: new Histogram({ name: 'haca_inference_receipt_flush_batch_size', help: 'Receipts per group commit', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], registers: [registry] }),
    settlementErrors: new Counter({ name: 'haca_inference_settlement_errors_total', help: 'Settlement drains that failed (retried at the next interval; the log says why)', registers: [registry] }),
    receipts: new Counter({ name: 'haca_inference_receipts_total', help: 'Receipts signed and made durable', registers: [registry] }),
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The node's metrics (served on `GET /metrics`). */
    metrics: NodeMetrics
  }
}

/** The node's metrics, and every answer counted by route and status. */
export const metricsPlugin = sharedPlugin(async (app) => {
  const metrics = createNodeMetrics()
  app.decorate('metrics', metrics)
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    metrics.requests.inc({ route, status: String(reply.statusCode) })
    metrics.latency.observe({ route }, reply.elapsedTime / 1000)
    if (reply.statusCode >= 400) metrics.errors.inc({ route, code: String(reply.statusCode) })
  })
}, { name: 'haca-metrics' })
