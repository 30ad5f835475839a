/** `GET /v1/receipts/:id/settlement`: what this node knows of a receipt's settlement (refusals); the ledger knows what settled. */
import { routesPlugin } from '../../../core/http/fastifyPlugin.ts'
import type { JsonSchemaTypeProvider } from '../../../core/http/fromSchema.ts'
import type { Hex } from '../../../core/bytes.ts'
import type { SettlementWorker } from '../settlement/worker.ts'
import { errorResponses, receiptIdParamsSchema, settlementStatusSchema } from './schemas.ts'

export const settlementRoutes = routesPlugin(async (instance, { worker }: { worker: SettlementWorker }) => {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>()
  app.get('/v1/receipts/:id/settlement', {
    schema: { params: receiptIdParamsSchema, response: { 200: settlementStatusSchema, ...errorResponses } },
  }, async (request) => {
    const id = request.params.id.toLowerCase() as Hex
    const reason = worker.refused.get(id)
    return reason ? { status: 'refused', reason, receiptId: id } : { status: 'pending', receiptId: id }
  })
}, { name: 'haca-settlement-routes' })
