/**
 * Plugs the payment gate into an inference node: a preHandler on the paid routes that answers
 * 402 (OpenAI's error shape, the payment terms beside it) unless the request carries a voucher
 * the gate accepts. The voucher's durable record is written while the route runs and awaited
 * before the answer is sent, so the disk sync overlaps the model instead of adding to it. Nodes
 * built without it behave as before.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { LedgerRpc } from '../../../client/ledger/ledgerRpc.ts'
import type { Address } from '../../../core/keys.ts'
import type { NodeContext } from '../server/nodeContext.ts'
import { ChannelCache, ledgerChannelSource } from './channelCache.ts'
import { PaymentGate } from './gate.ts'
import { PAID_HEADER, VOUCHER_HEADER } from '../../../protocol/http.ts'
import { VoucherLog } from './voucherLog.ts'
import type { PaymentsConfig } from './config.ts'

/** What `createInferenceNode({ payments })` takes: registered before the routes, closed with the node. */
export type NodePaymentsHook = {
  register(app: FastifyInstance, ctx: NodeContext): void
  close?(): Promise<void>
  /** The accepted vouchers (what settlement pairs receipts with), when the hook keeps a log. */
  vouchers?: VoucherLog
}

/** Routes that cost money; the model named in the body sets the price. */
export const PAID_ROUTES = new Set(['/v1/infer', '/v1/chat/completions', '/v1/completions'])

/** The price of a request's model on this node, or undefined when the node does not serve it (the route answers 404). */
export function priceOf(ctx: NodeContext, body: unknown): bigint | undefined {
  const model = (body as { model?: unknown } | null)?.model
  if (typeof model !== 'string') return undefined
  return ctx.chat.get(model)?.price ?? ctx.models.list().find((m) => m.id === model)?.price
}

/**
 * The hook for a gate.
 *
 * @example
 * const node = await createInferenceNode({ privateKey, receiptDir, providers, payments: paymentsHook(gate) })
 */
export function paymentsHook(gate: PaymentGate, close?: () => Promise<void>): NodePaymentsHook {
  const persisted = new WeakMap<FastifyRequest, Promise<void>>()
  return {
    register(app, ctx) {
      app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
        if (request.method !== 'POST' || !PAID_ROUTES.has(request.routeOptions.url ?? '')) return
        const price = priceOf(ctx, request.body)
        if (price === undefined || price === 0n) return
        const header = request.headers[VOUCHER_HEADER]
        const model = (request.body as { model: string }).model
        const result = await gate.authorize({ voucher: Array.isArray(header) ? header[0] : header, requestHash: request.requestHash, price, model, resource: request.routeOptions.url ?? request.url })
        // Sent as text: the routes' 4xx schema is the OpenAI error shape alone, and would drop `payment`.
        if (!result.paid) return reply.code(402).type('application/json; charset=utf-8').send(JSON.stringify(result.body))
        // The disk write overlaps the model run; the answer waits for it in onSend.
        persisted.set(request, result.persisted)
        result.persisted.catch(() => {})
        reply.header(PAID_HEADER, result.voucher.cumulative.toString())
      })
      app.addHook('onSend', async (request, _reply, payload) => {
        const p = persisted.get(request)
        if (p) {
          persisted.delete(request)
          // A voucher not on disk could be replayed after a crash: no answer is released before it is.
          await p
        }
        return payload
      })
    },
    close,
  }
}

/** Builds the hook from config: channels from the ledger at `rpcUrl`, the chain id from it too. */
export async function paymentsHookFromConfig(config: PaymentsConfig, { rpcUrl, node }: { rpcUrl: string; node: Address }): Promise<NodePaymentsHook> {
  const rpc = await LedgerRpc.connect(rpcUrl)
  const log = await VoucherLog.open(config.voucherLog)
  const gate = new PaymentGate({ chainId: await rpc.chainId(), node: config.node ?? node, channels: new ChannelCache(ledgerChannelSource(rpc), { ttlMs: config.channelTtlMs }), log })
  const hook = paymentsHook(gate, async () => {
    await log.close()
    rpc.disconnect()
  })
  return { ...hook, vouchers: log }
}
