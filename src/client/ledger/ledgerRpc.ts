/**
 * A client of one ledger node's RPC (CometBFT's, or the embedded engine's, which speaks the
 * same routes), built on @cosmjs/tendermint-rpc's Comet38Client. Proven reads check a Merkle
 * proof against the app hash in the header of the next block.
 */
import { Comet38Client, type RpcClient } from '@cosmjs/tendermint-rpc'
import type { JsonRpcRequest, JsonRpcSuccessResponse } from '@cosmjs/json-rpc'
import { RLP } from '@ethereumjs/rlp'
import { BaseError, redactUrl } from '../../core/errors.ts'
import { toHex } from '../../core/bytes.ts'
import { httpFetch } from '../../core/http/httpFetch.ts'
import { HttpStatusError, networkErrorOf } from '../../core/http/networkError.ts'
import { requestTimeoutMs } from '../../core/http/requestTimeout.ts'
import { verifyStateProof } from '../../ledger/state/verifyStateProof.ts'
import type { LightBlock } from '../light/types.ts'
import { TimeoutError } from './wait.ts'

export const DEFAULT_RPC = 'http://127.0.0.1:26657'

export class RpcError extends BaseError {
  override name = 'RpcError' as const
  constructor(rpc: string, message: string, cause?: unknown) {
    super(`ledger node ${redactUrl(rpc)}: ${message}`, { code: 'rpc', cause })
  }
}

/** What to do when no ledger node answers at the URL. */
const NO_NODE_HINT = 'Is a node running there? Start one with `haca dev`, or pass --node URL (or set $HACA_NODE).'
const SERVICE = 'ledger node'
const OPTION = '--node URL (or $HACA_NODE)'

/** An error answer or a failed request, as the typed error to throw. */
function requestFailure(url: string, err: unknown, timeoutMs: number): BaseError {
  if (err instanceof BaseError) return err
  return networkErrorOf(err, { url, service: SERVICE, hint: NO_NODE_HINT, option: OPTION, timeoutMs }) ?? new RpcError(url, (err as Error)?.message ?? String(err), err)
}

/**
 * One POST with a deadline. CometBFT answers JSON-RPC errors with HTTP 500 and a JSON-RPC body,
 * which is handed back to be read; any other error status (a proxy, some other server) is an
 * HttpStatusError with the body's message.
 */
async function postWithDeadline(url: string, contentType: string, body: string, timeoutMs: number): Promise<Buffer> {
  try {
    const res = await httpFetch(url, { method: 'POST', headers: { 'content-type': contentType }, body, signal: AbortSignal.timeout(timeoutMs) })
    const bytes = Buffer.from(await res.arrayBuffer())
    if (!res.ok && !(res.status === 500 && isJsonRpcAnswer(bytes))) throw new HttpStatusError({ url, service: SERVICE, status: res.status, statusText: res.statusText, body: bytes.toString('utf8'), hint: res.status === 404 ? `is it a CometBFT RPC? ${NO_NODE_HINT}` : undefined })
    return bytes
  } catch (err) {
    throw requestFailure(url, err, timeoutMs)
  }
}

function isJsonRpcAnswer(body: Buffer): boolean {
  try {
    const json = JSON.parse(body.toString('utf8')) as { jsonrpc?: unknown }
    return json?.jsonrpc === '2.0'
  } catch {
    return false
  }
}

/**
 * The transport under cosmjs' Comet38Client: node:http with keep-alive (not fetch: see `call`),
 * a deadline on every request, and typed errors (connection refused, timeout, HTTP status,
 * JSON-RPC error) in place of cosmjs' bare ones.
 */
class LedgerRpcTransport implements RpcClient {
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {}

  execute = async (request: JsonRpcRequest): Promise<JsonRpcSuccessResponse> => {
    const bytes = await postWithDeadline(this.url, 'application/json', JSON.stringify(request), this.timeoutMs)
    let answer: { result?: unknown; error?: { code?: number; message?: string; data?: string } }
    try {
      answer = JSON.parse(bytes.toString('utf8'))
    } catch {
      throw new RpcError(this.url, `${request.method}: the answer is not JSON: ${JSON.stringify(bytes.toString('utf8').slice(0, 80))}; is it a CometBFT RPC?`)
    }
    if (answer.error) throw new RpcError(this.url, `${request.method}: ${answer.error.data || answer.error.message || `error ${answer.error.code}`}`)
    return answer as JsonRpcSuccessResponse
  }

  disconnect = (): void => {}
}

export type LedgerRpcOptions = {
  /** Deadline of each request (default: the process's, 30 s unless the CLI's --timeout set it). */
  timeoutMs?: number
  /** When given, proofs are checked only against headers it verified (see queryProven). */
  lightClient?: HeaderVerifier
}

/** What queryProven asks of a light client (client/light's LightClient). */
export interface HeaderVerifier {
  verifyLightBlockAtHeight(height: bigint, nowMs?: number): Promise<LightBlock>
}

/** The RPC's header differs from the one the light client verified at that height. */
export class UnverifiedHeaderError extends BaseError {
  override name = 'UnverifiedHeaderError' as const
  constructor({ rpc, height, what }: { rpc: string; height: number; what: string }) {
    super(`${redactUrl(rpc)} served a header at height ${height} whose ${what} differs from the light-client-verified header`, { code: 'unverified_header' })
  }
}

export class TxRejectedError extends BaseError {
  override name = 'TxRejectedError' as const
  constructor(
    readonly codespace: string,
    readonly abciCode: number,
    log: string,
  ) {
    super(`transaction rejected (${codespace || 'app'}/${abciCode}): ${log}`, { code: 'tx_rejected' })
  }
}

/** The app answered a query with a non-zero code: the height is not available, the path is unknown, the key is refused… */
export class QueryRefusedError extends BaseError {
  override name = 'QueryRefusedError' as const
  readonly codespace: string
  readonly abciCode: number
  readonly log: string
  constructor({ rpc, path, height, codespace, abciCode, log }: { rpc: string; path: string; height?: number; codespace: string; abciCode: number; log: string }) {
    super(`ledger node ${redactUrl(rpc)} refused query ${path}${height ? ` at height ${height}` : ''} (${codespace || 'app'}/${abciCode}): ${log}`, { code: 'query_refused' })
    this.codespace = codespace
    this.abciCode = abciCode
    this.log = log
  }
}

export class ProofError extends BaseError {
  override name = 'ProofError' as const
  constructor(message: string) {
    super(message, { code: 'bad_proof' })
  }
}

export type TxResult = { hash: string; height: number; code: number; codespace: string; log: string; events: Array<{ type: string; attributes: Record<string, string> }> }

export class LedgerRpc {
  private constructor(
    readonly url: string,
    readonly comet: Comet38Client,
    readonly timeoutMs: number,
    readonly lightClient?: HeaderVerifier,
  ) {}

  /** A client of the node at `url`; nothing is sent until the first call. */
  static async connect(url = DEFAULT_RPC, { timeoutMs = requestTimeoutMs(), lightClient }: LedgerRpcOptions = {}): Promise<LedgerRpc> {
    let parsed: URL
    try {
      parsed = new URL(url)
    } catch {
      throw new RpcError(url, 'not a URL (expected http://host:port)')
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new RpcError(url, `the scheme must be http:// or https://, not ${parsed.protocol}//`)
    return new LedgerRpc(url, Comet38Client.create(new LedgerRpcTransport(url, timeoutMs)), timeoutMs, lightClient)
  }

  disconnect(): void {
    this.comet.disconnect()
  }

  async chainId(): Promise<string> {
    return (await this.wrap(() => this.comet.status())).nodeInfo.network
  }

  async height(): Promise<number> {
    return (await this.wrap(() => this.comet.status())).syncInfo.latestBlockHeight
  }

  /**
   * One JSON-RPC call, posted directly: for what carries whole transactions (broadcasts, /tx
   * answers) the cosmjs client's JavaScript base64 cost ~50 ms per 1.2 MB settlement batch
   * (Buffer's is native, and /tx's copy of the transaction is not decoded at all here). Over
   * keep-alive node:http: the settlement worker polls /tx every 40 ms, and fetch cost ~0.4 ms a call.
   */
  private async call<T>(method: string, params: Record<string, unknown>, parse: (body: Buffer) => unknown = parseJson): Promise<{ result?: T; error?: string }> {
    return this.post(this.url, 'application/json', JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), method, parse)
  }

  private async post<T>(url: string, contentType: string, body: string, method: string, parse: (body: Buffer) => unknown = parseJson): Promise<{ result?: T; error?: string }> {
    const bytes = await postWithDeadline(url, contentType, body, this.timeoutMs)
    const answer = await this.wrap(async () => parse(bytes) as { result?: T; error?: { message?: string; data?: string } }, method)
    if (answer.error || answer.result === undefined) return { error: answer.error?.data || answer.error?.message || 'no result' }
    return { result: answer.result }
  }

  /** Submits; resolves once CheckTx accepted it (throws TxRejectedError otherwise). */
  async broadcast(tx: Uint8Array): Promise<string> {
    return (await this.broadcastChecked(tx)).hash
  }

  /** Submits; resolves with the hash and CheckTx's answer once CheckTx accepted it (throws TxRejectedError otherwise). */
  async broadcastChecked(tx: Uint8Array): Promise<{ hash: string; code: number; codespace: string; log: string }> {
    // As a form field in hex (CometBFT's URI routes take POSTed forms too) rather than base64 in
    // JSON-RPC: CometBFT's encoding/json scans a JSON body several times over, and for a 1.2 MB
    // settlement batch that was a quarter of validator 0's CometBFT time (pprof); hex is one pass.
    const hex = Buffer.from(tx.buffer, tx.byteOffset, tx.byteLength).toString('hex')
    const { result: r, error } = await this.post<{ code: number; codespace?: string; log?: string; hash: string }>(`${this.url.replace(/\/+$/, '')}/broadcast_tx_sync`, 'application/x-www-form-urlencoded', `tx=0x${hex}`, 'broadcast_tx_sync')
    if (!r) throw new RpcError(this.url, `broadcast_tx_sync: ${error}`)
    if (r.code !== 0) throw new TxRejectedError(r.codespace ?? '', r.code, r.log ?? '')
    return { hash: r.hash.toUpperCase(), code: r.code, codespace: r.codespace ?? '', log: r.log ?? '' }
  }

  async getTx(hash: string): Promise<TxResult | undefined> {
    type Answer = { hash: string; height: string; tx_result: { code: number; codespace?: string; log?: string; events?: Array<{ type: string; attributes?: Array<{ key: string; value: string }> }> } }
    const { result: r, error } = await this.call<Answer>('tx', { hash: Buffer.from(hash.replace(/^0x/, ''), 'hex').toString('base64'), prove: false }, parseTxAnswer)
    if (!r) {
      if (/not found/i.test(error ?? '')) return undefined
      throw new RpcError(this.url, `tx ${hash}: ${error}`)
    }
    return {
      hash: r.hash.toUpperCase(),
      height: Number(r.height),
      code: r.tx_result.code ?? 0,
      codespace: r.tx_result.codespace ?? '',
      log: r.tx_result.log ?? '',
      events: (r.tx_result.events ?? []).map((e) => ({ type: e.type, attributes: Object.fromEntries((e.attributes ?? []).map((a) => [a.key, a.value])) })),
    }
  }

  /** Polls until the transaction is in a block (every `pollMs`; the settlement worker polls faster than a user). */
  async waitForTx(hash: string, timeoutMs = 30_000, pollMs = 150): Promise<TxResult> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const r = await this.getTx(hash)
      if (r) return r
      if (Date.now() > deadline) throw new TimeoutError(`transaction ${hash} to be committed`, timeoutMs)
      await new Promise((res) => setTimeout(res, pollMs))
    }
  }

  /** A JSON query, at the latest height or at `height` (refused with QueryRefusedError when the node cannot answer for it). */
  async queryJson<T>(path: string, { height }: { height?: number } = {}): Promise<T> {
    const res = await this.wrap(() => this.comet.abciQuery({ path, data: new Uint8Array(), height }))
    if (res.code) throw new QueryRefusedError({ rpc: this.url, path, height, codespace: res.codespace ?? '', abciCode: res.code, log: res.log ?? '' })
    const text = Buffer.from(res.value).toString('utf8')
    try {
      return JSON.parse(text) as T
    } catch {
      throw new RpcError(this.url, `query ${path} answered ${text ? `something that is not JSON: ${JSON.stringify(text.slice(0, 80))}` : 'no value'}`)
    }
  }

  /**
   * Reads a raw state key with a Merkle proof and checks it against the app hash of the block
   * after the one the answer is for (that header commits to this state). Returns the value
   * (undefined when the proof shows the key is absent) and the height it is proven at.
   * With a light client, that header must be the one it verified (same block id and app
   * hash), and the app hash is read from the verified header: the RPC is then trusted for
   * nothing; without one, the RPC's header is taken on trust.
   */
  async queryProven(key: Uint8Array, timeoutMs = 15_000): Promise<{ value: Uint8Array | undefined; height: number; appHash: string }> {
    const res = await this.wrap(() => this.comet.abciQuery({ path: '/store', data: key, prove: true }))
    if (res.code) throw new QueryRefusedError({ rpc: this.url, path: '/store', codespace: res.codespace ?? '', abciCode: res.code, log: res.log ?? '' })
    const op = res.proof?.ops?.[0]
    if (!op || op.type !== 'haca/mpt') throw new ProofError('the node returned no Merkle proof')
    const height = res.height ?? 0
    const deadline = Date.now() + timeoutMs
    while ((await this.height()) < height + 1) {
      if (Date.now() > deadline) throw new TimeoutError(`block ${height + 1} (its header proves the state of ${height})`, timeoutMs)
      await new Promise((r) => setTimeout(r, 150))
    }
    const { header, commit } = await this.wrap(() => this.comet.commit(height + 1))
    const appHash = this.lightClient ? await this.verifiedAppHash(height + 1, commit.blockId.hash, header.appHash) : header.appHash
    const nodes = RLP.decode(op.data) as Uint8Array[]
    let value: Uint8Array | undefined
    try {
      value = await verifyStateProof(appHash, key, nodes)
    } catch (err) {
      throw new ProofError(`Merkle proof does not match the app hash of block ${height + 1}: ${(err as Error).message}`)
    }
    const claimed = res.value.length ? toHex(res.value) : undefined
    const proven = value ? toHex(value) : undefined
    if (claimed !== proven) throw new ProofError('the node answered a value its own proof does not prove')
    return { value, height, appHash: toHex(appHash) }
  }

  private async verifiedAppHash(height: number, blockIdHash: Uint8Array, appHash: Uint8Array): Promise<Uint8Array> {
    const verified = (await this.lightClient!.verifyLightBlockAtHeight(BigInt(height))).signedHeader
    if (toHex(verified.commit.blockId.hash) !== toHex(blockIdHash)) throw new UnverifiedHeaderError({ rpc: this.url, height, what: 'block id hash' })
    if (toHex(verified.header.appHash) !== toHex(appHash)) throw new UnverifiedHeaderError({ rpc: this.url, height, what: 'app hash' })
    return verified.header.appHash
  }

  private async wrap<T>(fn: () => Promise<T>, method?: string): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      if (err instanceof BaseError) throw err
      if (err instanceof SyntaxError && method) throw new RpcError(this.url, `${method}: the answer is not JSON; is it a CometBFT RPC?`, err)
      throw requestFailure(this.url, err, this.timeoutMs)
    }
  }
}

function parseJson(body: Buffer): unknown {
  return JSON.parse(body.toString('utf8'))
}

/** Where CometBFT's `/tx` answer (fields in ResultTx order: hash, height, index, tx_result, tx) has the transaction. */
const TX_FIELD = Buffer.from(',"tx":"')

/**
 * A `/tx` answer without its `tx` field: the outcome is all a caller reads, and the field is the
 * whole transaction in base64 (1.6 MB for a settlement batch: ~12 ms to decode and parse each
 * time the worker learns an outcome). The answer is cut where the field starts and closed; an
 * answer of any other shape is parsed whole.
 */
function parseTxAnswer(body: Buffer): unknown {
  // The first such bytes are the field: inside a JSON string its quotes would be escaped.
  const at = body.indexOf(TX_FIELD)
  if (at > 0) {
    try {
      return JSON.parse(`${body.toString('utf8', 0, at)}}}`)
    } catch {
      // Not the shape expected: the whole answer, below.
    }
  }
  return parseJson(body)
}
