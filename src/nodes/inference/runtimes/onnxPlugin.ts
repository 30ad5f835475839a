/**
 * The ONNX runtime over the node's model source. Registered before the receipt log: a node
 * asked to use CUDA that cannot does not start, and has opened nothing by then.
 */
import { sharedPlugin } from '../../../core/http/fastifyPlugin.ts'
import { OnnxRuntime, type OnnxConfig } from './onnxRuntime.ts'
import { resolveExecutionProvider } from './executionProvider.ts'

declare module 'fastify' {
  interface FastifyInstance {
    onnx: OnnxRuntime
  }
}

export const onnxPlugin = sharedPlugin(async (app, { onnx }: { onnx?: OnnxConfig }) => {
  const executionProvider = await resolveExecutionProvider(onnx?.executionProvider)
  if (executionProvider.fallback) app.log.warn({ asked: onnx?.executionProvider }, executionProvider.fallback)
  const runtime = new OnnxRuntime(app.models, {
    ...onnx,
    executionProvider: executionProvider.provider,
    // ONNX runs leave the event loop only while other requests are waiting on it (onnxRuntime.ts).
    busy: () => app.limiter.running > 1,
    onWorkerExit: (exit) => app.log.warn(exit, 'an ONNX worker thread exited; it is restarted'),
  })
  app.decorate('onnx', runtime)
  app.addHook('onClose', () => runtime.close())
}, { name: 'haca-onnx', dependencies: ['haca-limiter', 'haca-models'] })
