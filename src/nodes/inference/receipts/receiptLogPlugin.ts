/** The node's durable receipt log: opened with the server, closed after it stops taking requests. */
import { sharedPlugin } from '../../../core/http/fastifyPlugin.ts'
import { ReceiptLog, type ReceiptLogOptions } from './receiptLog.ts'

declare module 'fastify' {
  interface FastifyInstance {
    receipts: ReceiptLog
  }
}

export type ReceiptLogPluginOptions = {
  dir: string
  /** Sizes and sync mode; `sync` defaults to 'background' here (see CreateInferenceNodeParameters.receiptLog). */
  options?: Pick<ReceiptLogOptions, 'maxSegmentBytes' | 'preallocateBytes' | 'sync' | 'retainBytes'>
}

export const receiptLogPlugin = sharedPlugin(async (app, { dir, options }: ReceiptLogPluginOptions) => {
  const receipts = await ReceiptLog.open(dir, {
    ...options,
    sync: options?.sync ?? 'background',
    onFlush: (n, seconds) => {
      app.metrics.receiptFlush.observe(seconds)
      app.metrics.receiptBatch.observe(n)
    },
    // The only request in flight: its receipt is written at once on the event loop.
    writeInline: () => app.limiter.running <= 1,
  })
  app.decorate('receipts', receipts)
  // onClose hooks run after the server has stopped and its requests have been answered.
  app.addHook('onClose', () => receipts.close())
}, { name: 'haca-receipt-log', dependencies: ['haca-metrics', 'haca-limiter'] })
