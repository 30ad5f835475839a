import { equalBytes, fromHex, toHex } from '../../core/bytes.ts'
import type { Hex } from '../../core/bytes.ts'
import { sha256 } from '../../core/hash.ts'
import { addressOfPublicKey, recoverPublicKey } from '../../core/keys.ts'
import { decodeReceipt, receiptDigest, recoverReceiptSigner } from '../../protocol/receipt.ts'
import { event, type TxContext } from '../context.ts'
import { getParams } from '../params.ts'
import { verifyVoucher } from '../../protocol/voucher.ts'
import { withPaymentsErrors } from '../payments/voucherErrors.ts'
import type { NodeRecord } from '../registry/node.ts'
import { batchDigest, batchRoot, channelTotals } from '../../protocol/settlementBatch.ts'
import { ErrBadBatchSignature, ErrInvalidBatch, ErrInvalidEvidence, ErrNodeNotActive, ErrReceiptAlreadySettled, ErrVoucherMismatch, ErrWrongPrice } from './errors.ts'
import type { SettlementKeepers } from './expectedKeepers.ts'
import { areSettled, getSettledReceipt, recordSettledBatch } from './keeper.ts'
import type { BatchEntries } from '../../protocol/batchEntries.ts'
import type { MsgSettleBatch, MsgSubmitEvidence } from './msgs.ts'
import { getSettlementParams } from './params.ts'
import { MODE_VERIFIERS } from './verifiers.ts'

/** How far ahead of the block time a receipt's timestamp may be (node clocks are not the chain's). */
const MAX_RECEIPT_SKEW_MS = 5n * 60_000n

function registeredPrice(node: NodeRecord, model: string): bigint | undefined {
  return (node.capabilities.prices.find((p) => p.item === model) ?? node.capabilities.prices.find((p) => p.item === '*'))?.amount
}

/**
 * Settles a node's batch, all or nothing: the node (sender) is registered and active, the
 * batch is signed by its key, the root is recomputed, every receipt is the node's, new,
 * correctly priced and valid for its mode, at a time the node was active; every channel's
 * voucher is the client's and covers its receipts, and payments would settle it. Only then
 * (no write before the last check) each channel pays through payments (less the protocol fee)
 * and the batch and every receipt are recorded.
 */
async function settleBatch({ registry, payments, models }: SettlementKeepers, ctx: TxContext, msg: MsgSettleBatch): Promise<void> {
  const operator = ctx.sender
  const registered = await registry.node(ctx.store, operator)
  if (!registered) throw new ErrNodeNotActive(`${operator} has no registered node`)
  const node = registered.record
  const status = registered.statusAt(ctx.timeMs)
  if (status !== 'active') throw new ErrNodeNotActive(`node ${operator} is ${status}`)
  const chainId = (await getParams(ctx.store))!.chainId
  const nodeAddress = addressOfPublicKey(node.signingKey)
  const root = batchRoot(msg.entries)
  const totals = channelTotals(msg.entries)
  const digest = batchDigest({ chainId, node: operator, root, count: msg.entries.length, totals })
  const signer = recoverPublicKey(digest, msg.signature)
  if (!signer || Buffer.compare(signer, node.signingKey) !== 0) throw new ErrBadBatchSignature(`batch ${root} is not signed by the registered key of node ${operator}`)

  const settings = await getSettlementParams(ctx.store)
  const entries = msg.entries
  const ids: Uint8Array[] = new Array(entries.length)
  for (let i = 0; i < entries.length; i++) ids[i] = entries.id(i)
  const settledBefore = await areSettled(ctx.store, ids)
  const nodeBytes = fromHex(nodeAddress, 20)
  const prices = new Map<string, bigint | undefined>()
  const loadPrice = async (model: string) => {
    const onLedger = /^0x[0-9a-f]{64}$/.test(model) ? await models.price(ctx.store, model as Hex) : undefined
    const price = onLedger ?? registeredPrice(node, model)
    prices.set(model, price)
    return price
  }
  const recorded: Array<{ receiptId: Uint8Array; receiptHash: Uint8Array }> = new Array(entries.length)
  for (let index = 0; index < entries.length; index++) {
    const id = ids[index]
    const receiptBytes = entries.receiptBytes(index)
    const timestamp = entries.timestamp(index)
    if (!equalBytes(entries.node(index), nodeBytes)) throw new ErrInvalidBatch(`receipt ${toHex(id)} names node ${toHex(entries.node(index))}, not ${nodeAddress}`)
    if (settings.verifyReceiptSignatures && recoverReceiptSigner(decodeReceipt(receiptBytes)) !== nodeAddress) throw new ErrInvalidBatch(`receipt ${toHex(id)} is not signed by ${nodeAddress}`)
    if (BigInt(timestamp) > ctx.timeMs + MAX_RECEIPT_SKEW_MS) throw new ErrInvalidBatch(`receipt ${toHex(id)} is dated ${timestamp}, after the block time ${ctx.timeMs}`)
    const then = registered.statusAt(BigInt(timestamp))
    if (then !== 'active') throw new ErrNodeNotActive(`node ${operator} was ${then} at receipt ${toHex(id)}'s time ${timestamp}`)
    if (settledBefore[index]) throw new ErrReceiptAlreadySettled(`receipt ${toHex(id)} has already settled (a receipt settles once)`)
    // Looked up once per model of the batch (an await per receipt would cost a microtask each).
    const model = entries.model(index)
    const price = prices.has(model) ? prices.get(model) : await loadPrice(model)
    if (price === undefined) throw new ErrWrongPrice(`receipt ${toHex(id)}: model "${model}" has no registered price (not on the ledger, not in the node's prices)`)
    const charged = entries.price(index)
    if (charged !== price) throw new ErrWrongPrice(`receipt ${toHex(id)} charges ${charged} for "${model}", the registered price is ${price}`)
    const mode = entries.mode(index)
    MODE_VERIFIERS[mode]({ id, mode }, node)
    recorded[index] = { receiptId: id, receiptHash: sha256(receiptBytes) }
  }

  const payouts: Array<{ channelId: Hex; cumulative: bigint }> = []
  for (const { channelId, total } of totals) {
    const v = msg.vouchers.find((x) => x.channelId === channelId)!
    const channel = await payments.channel(ctx.store, channelId)
    if (!channel) throw new ErrVoucherMismatch(`channel ${channelId} does not exist`)
    if (v.chainId !== chainId) throw new ErrVoucherMismatch(`voucher for channel ${channelId} is for chain "${v.chainId}"`)
    // The voucher must be the one a request of this batch came with: a later one would pay for
    // answers this batch does not settle (and leave the next batch nothing to cover them with).
    const paidRequest = fromHex(v.requestHash, 32)
    if (!paysForOneOf(entries, channelId, paidRequest)) {
      throw new ErrVoucherMismatch(`voucher for channel ${channelId} is not the voucher of any request in the batch`)
    }
    const client = withPaymentsErrors(() => verifyVoucher(v))
    if (client !== channel.client) throw new ErrVoucherMismatch(`voucher for channel ${channelId} is signed by ${client}, not by its client ${channel.client}`)
    if (v.cumulative - channel.spent < total) throw new ErrVoucherMismatch(`channel ${channelId}: the voucher covers ${v.cumulative - channel.spent} beyond what settled before, the receipts cost ${total}`)
    await payments.checkSettlement(ctx.store, channelId, v.cumulative, { node: operator, timeMs: ctx.timeMs, payout: node.payout })
    payouts.push({ channelId, cumulative: v.cumulative })
  }

  // Every check has passed: the writes.
  let amount = 0n
  for (const { channelId, cumulative } of payouts) {
    const paid = await payments.settleVoucher(ctx.store, channelId, cumulative, { node: operator, timeMs: ctx.timeMs, payout: node.payout })
    amount += paid.amount
  }
  recordSettledBatch(ctx.store, { root, node: operator, count: msg.entries.length, blobId: msg.blobId, height: ctx.height, amount, entries: recorded })
  ctx.events.push(event('settle_batch', { root, node: operator, count: String(msg.entries.length), amount: amount.toString(), blob_id: msg.blobId }, ['root', 'node']))
}

/** Whether some entry of `channelId` is for the request `requestHash` (what a voucher names). */
function paysForOneOf(entries: BatchEntries, channelId: Hex, requestHash: Uint8Array): boolean {
  for (let i = 0; i < entries.length; i++) if (entries.channelId(i) === channelId && equalBytes(entries.requestHash(i), requestHash)) return true
  return false
}

/**
 * A client holding a receipt the node signed, for a receipt id that settled with different
 * contents, proves the node made two statements for one answer: the node's stake is slashed
 * (part to the client, the rest to the fee pool) and the node is removed from the registry.
 */
async function submitEvidence({ registry }: SettlementKeepers, ctx: TxContext, msg: MsgSubmitEvidence): Promise<void> {
  const r = msg.receipt
  const settled = await getSettledReceipt(ctx.store, r.id)
  if (!settled) throw new ErrInvalidEvidence(`receipt ${r.id} has not settled: there is nothing to contradict`)
  if (settled.receiptHash === toHex(sha256(msg.receiptBytes))) throw new ErrInvalidEvidence(`receipt ${r.id} settled with exactly these contents`)
  const key = recoverPublicKey(receiptDigest(r), fromHex(r.signature, 65))
  if (!key || addressOfPublicKey(key) !== r.node) throw new ErrInvalidEvidence(`receipt ${r.id} is not validly signed by ${r.node}`)
  const operator = await registry.operatorOfSigningKey(ctx.store, key)
  const node = operator ? await registry.node(ctx.store, operator) : undefined
  if (!operator || !node) throw new ErrInvalidEvidence(`no registered node holds the key that signed receipt ${r.id}`)
  const { slashCompensationBps } = await getSettlementParams(ctx.store)
  // The stake pool is the registry's: settlement asks it to slash.
  const { stake, compensation } = await registry.slash(ctx.store, operator, { reason: `receipt ${r.id} contradicts its settled record`, compensation: { to: ctx.sender, bps: slashCompensationBps } })
  ctx.events.push(event('slash', { node: operator, receipt: r.id, stake: stake.toString(), compensation: compensation.toString(), to: ctx.sender }, ['node', 'receipt']))
}

/** The settlement handlers over the other modules' keepers (wired in modules.ts). */
export function settlementMsgServer(keepers: SettlementKeepers) {
  return {
    settleBatch: (ctx: TxContext, msg: MsgSettleBatch) => settleBatch(keepers, ctx, msg),
    submitEvidence: (ctx: TxContext, msg: MsgSubmitEvidence) => submitEvidence(keepers, ctx, msg),
  }
}
