/**
 * The haca client: routes requests to inference nodes and verifies every receipt before it
 * returns an answer.
 */
import { type NodeDirectory, type StaticNode, StaticNodeDirectory } from './nodeDirectory.ts'
import { NodeStats } from './selectNodes.ts'
import { type CreateChatCompletionParameters, type CreateChatCompletionReturnType, createChatCompletion } from './createChatCompletion.ts'
import { type InferParameters, type InferReturnType, infer } from './infer.ts'
import { RegistryNodeDirectory } from './registryNodeDirectory.ts'
import type { ClientPayments } from './payments/paymentHeaders.ts'
import type { Hex } from '../core/bytes.ts'
import { BaseError } from '../core/errors.ts'
import type { HacaClientContext } from './clientContext.ts'
import { LedgerRpc } from './ledger/ledgerRpc.ts'
import { type GetSettlementReturnType, getSettlement, waitForSettlement } from './getSettlement.ts'
import { type VerifyReceiptReportParameters, type VerifyReceiptReportReturnType, verifyReceiptReport } from './verifyReceiptReport.ts'
import { type LightClientConfig, connectVerifiedLedger } from './verifiedLedger.ts'
import { type VerifyNodeAttestationParameters, type VerifyNodeAttestationReturnType, verifyNodeAttestation } from './verifyNodeAttestation.ts'

/** Where nodes are found: one of a directory, a static list, or a ledger whose registry lists them. */
export type HacaClientNodeSource =
  | { directory: NodeDirectory; nodes?: never; rpc?: never }
  | { nodes: StaticNode[]; directory?: never; rpc?: never }
  /** A ledger RPC URL: active nodes are discovered from its node registry (RegistryNodeDirectory), receipts checked against registered keys. */
  | { rpc: string; directory?: never; nodes?: never }

export type HacaClientParameters = HacaClientNodeSource & {
  /**
   * Per-attempt deadline in ms: for a plain answer, until its whole body has arrived; for a
   * stream, until its headers. A node that misses it is left for the next one. Default 60,000.
   */
  timeoutMs?: number
  /**
   * Longest silence in ms a stream may keep: each wait for its next bytes (the first chunk
   * included) is bounded by this. Before the first chunk a stalled node is left for the next
   * one; after it, iteration throws a NodeStreamStalledError and the request is aborted.
   * Default 90,000: longer than a node's own provider timeout (60 s by default), after which
   * the node ends a silent stream with an error event itself, so a slow but working upstream
   * is not cut off by the client first.
   */
  streamIdleTimeoutMs?: number
  /** Most nodes tried for one request. Default 3. */
  maxAttempts?: number
  /** Pay nodes that charge: a voucher per request from a payment channel (opened on demand with `autoOpen`). */
  payments?: ClientPayments
  /**
   * Verify ledger facts (registry, settlement) in `verify` against headers a light client
   * checked from this trust root, instead of trusting the ledger RPC.
   */
  lightClient?: LightClientConfig
}

/**
 * @example
 * const client = new HacaClient({ nodes: [{ url: 'http://127.0.0.1:8080', address: '0x…' }] })
 * const { outputs, receipt } = await client.infer({ model: 'mlp', inputs: { input: { dims: [1, 4], type: 'float32', data: [1, 2, 3, 4] } } })
 * const chat = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
 * // Or discover registered, attested nodes from the ledger:
 * const viaLedger = new HacaClient({ rpc: 'http://127.0.0.1:26657' })
 */
export class HacaClient implements HacaClientContext {
  readonly directory: NodeDirectory
  readonly stats = new NodeStats()
  readonly timeoutMs: number
  readonly streamIdleTimeoutMs: number
  readonly maxAttempts: number
  readonly payments?: ClientPayments
  private readonly ledgerUrl?: string
  private ledger?: LedgerRpc
  private readonly lightClientConfig?: LightClientConfig
  private verifiedLedger?: Promise<LedgerRpc>
  /** OpenAI-shaped chat: `client.chat.completions.create(params)`, streaming with `stream: true`. */
  readonly chat: { completions: { create: <P extends CreateChatCompletionParameters>(params: P) => Promise<CreateChatCompletionReturnType<P>> } }

  constructor({ directory, nodes, rpc, timeoutMs = 60_000, streamIdleTimeoutMs = 90_000, maxAttempts = 3, payments, lightClient }: HacaClientParameters) {
    this.payments = payments
    this.lightClientConfig = lightClient
    this.ledgerUrl = rpc
    this.directory = directory ?? (rpc !== undefined ? new RegistryNodeDirectory({ rpc }) : new StaticNodeDirectory(nodes ?? []))
    this.timeoutMs = timeoutMs
    this.streamIdleTimeoutMs = streamIdleTimeoutMs
    this.maxAttempts = maxAttempts
    this.chat = { completions: { create: (params) => createChatCompletion(this, params) } }
  }

  /** Runs an ONNX model on a node; see {@link infer}. */
  infer(params: InferParameters): Promise<InferReturnType> {
    return infer(this, params)
  }

  /** Fetches a fresh attestation from a node and verifies it against the ledger's registry; see {@link verifyNodeAttestation}. */
  verifyNodeAttestation(node: VerifyNodeAttestationParameters['node']): Promise<VerifyNodeAttestationReturnType> {
    return verifyNodeAttestation(this, { node })
  }

  /**
   * Where a receipt stands in settlement: pending, settled (height, batch root, and the record
   * proven against a committed app hash) or refused (why). Needs the ledger (`rpc`, or payments
   * with `autoOpen`). `wait: true` polls until it is settled or refused.
   */
  async settlement(receiptId: Hex, { nodeUrl, wait = false, timeoutMs }: { nodeUrl?: string; wait?: boolean; timeoutMs?: number } = {}): Promise<GetSettlementReturnType> {
    const rpc = this.payments?.autoOpen?.rpc ?? (this.ledgerUrl ? (this.ledger ??= await LedgerRpc.connect(this.ledgerUrl)) : undefined)
    if (!rpc) throw new BaseError('client.settlement needs the ledger: create the client with { rpc } (or payments with autoOpen)', { code: 'no_ledger' })
    return wait ? waitForSettlement(rpc, { receiptId, nodeUrl, timeoutMs }) : getSettlement(rpc, { receiptId, nodeUrl })
  }

  /**
   * What can be proven about an answer: one line per check (receipt, registration,
   * attestation, settlement, ZKML), each passed, failed or not yet possible; see
   * {@link verifyReceiptReport}. Ledger checks use the client's ledger (`rpc`, or payments with
   * `autoOpen`), through a light client when `lightClient` was given.
   */
  async verify(answer: Omit<VerifyReceiptReportParameters, 'ledger'>): Promise<VerifyReceiptReportReturnType> {
    const url = this.ledgerUrl ?? this.payments?.autoOpen?.rpc.url
    let ledger: LedgerRpc | undefined
    if (url && this.lightClientConfig) ledger = await (this.verifiedLedger ??= connectVerifiedLedger(url, this.lightClientConfig))
    else if (url) ledger = this.payments?.autoOpen?.rpc ?? (this.ledger ??= await LedgerRpc.connect(url))
    return verifyReceiptReport({ ...answer, ledger })
  }

  /** Closes the ledger connections of a registry-backed client. */
  close(): void {
    if (this.directory instanceof RegistryNodeDirectory) this.directory.close()
    this.ledger?.disconnect()
    void this.verifiedLedger?.then((l) => l.disconnect(), () => {})
  }
}
