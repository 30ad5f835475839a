/** Starts a configured node's settlement worker and serves each receipt's settlement status. */
import { readKeyFile } from '../../../core/keyfile.ts'
import { addressOf } from '../../../core/keys.ts'
import { LedgerRpc } from '../../../client/ledger/ledgerRpc.ts'
import { WalrusClient } from '../../../storage/walrusClient.ts'
import type { InferenceNodeConfig } from '../config.ts'
import type { FastifyInstance } from 'fastify'
import type { NodeContext } from '../server/nodeContext.ts'
import type { VoucherLog } from '../payments/voucherLog.ts'
import { SettlementWorker } from './worker.ts'
import { settlementRoutes } from '../routes/settlement.ts'

/** What settlement needs of a built node: its key, receipt log and metrics, and its server for the status route and logs. */
export type SettlementHost = { app: FastifyInstance; context: Pick<NodeContext, 'privateKey' | 'receipts' | 'metrics'> }

export async function startSettlementFromConfig(config: InferenceNodeConfig, node: SettlementHost, vouchers: VoucherLog): Promise<{ worker: SettlementWorker; stop(): Promise<void> } | undefined> {
  if (!config.settlement || !config.ledger) return undefined
  const rpc = await LedgerRpc.connect(config.ledger.rpc)
  // The registered operator sends the batches; without a separate one, the node's own key.
  const operatorKey = config.register?.operatorKeyFile ? await readKeyFile(config.register.operatorKeyFile) : { address: addressOf(node.context.privateKey), privateKey: node.context.privateKey }
  const store = config.storage ? new WalrusClient({ publisherUrl: config.storage.publisherUrl, aggregatorUrl: config.storage.aggregatorUrl, shards: config.storage.shards }) : undefined
  const worker = new SettlementWorker({
    receipts: node.context.receipts,
    vouchers,
    rpc,
    operatorKey,
    signingKey: node.context.privateKey,
    store,
    dir: config.receiptDir,
    batchSize: config.settlement.batchSize,
    maxInFlight: config.settlement.maxInFlight,
    onError: (err) => {
      node.context.metrics.settlementErrors.inc()
      node.app.log.error({ err }, 'settlement drain failed; retrying at the next interval')
    },
    onOutcome: (o) => node.app.log.info({ settlement: o.status, count: o.count, ...('root' in o ? { root: o.root } : {}), ...(o.status === 'refused' ? { reason: o.reason } : {}) }, 'settlement batch'),
  })
  // Before listen: the route reports what this node knows (refusals); the ledger knows what settled.
  await node.app.register(settlementRoutes, { worker })
  worker.start(config.settlement.intervalMs)
  return {
    worker,
    async stop() {
      await worker.stop()
      await store?.close()
      rpc.disconnect()
    },
  }
}
