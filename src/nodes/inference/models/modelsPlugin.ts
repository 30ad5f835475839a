/** The node's model source, shared by the ONNX runtime, the routes and the payment gate (which prices by it). */
import { sharedPlugin } from '../../../core/http/fastifyPlugin.ts'
import type { ModelSource } from './modelSource.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The ONNX models this node serves, and their prices. */
    models: ModelSource
  }
}

export const modelsPlugin = sharedPlugin(async (app, { models }: { models: ModelSource }) => {
  app.decorate('models', models)
}, { name: 'haca-models' })
