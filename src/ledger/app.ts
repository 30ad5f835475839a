/**
 * The ledger as an ABCI 2.0 application. Both engines drive it through these methods: the
 * ABCI socket server (CometBFT) and the embedded block producer (`haca dev`).
 *
 * Shape after CometBFT's kvstore: CheckTx and ProcessProposal share one stateless validity
 * check; FinalizeBlock stages writes and returns the app hash; Commit persists; Info reports
 * the last committed height and app hash so CometBFT can replay what we lost in a crash.
 * Unlike kvstore, the app hash is the root of a Merkle trie over all state.
 *
 * Determinism: no wall clock (block time only), no randomness, no floats; state writes are
 * applied to the trie in key order.
 */
import { RLP } from '@ethereumjs/rlp'
import {
  type Event,
  ExecTxResult,
  type RequestCheckTx,
  type RequestFinalizeBlock,
  type RequestInfo,
  type RequestInitChain,
  type RequestPrepareProposal,
  type RequestProcessProposal,
  type RequestQuery,
  ResponseCheckTx,
  ResponseCommit,
  ResponseFinalizeBlock,
  ResponseInfo,
  ResponseInitChain,
  ResponsePrepareProposal,
  ResponseProcessProposal,
  ResponseProcessProposal_ProposalStatus,
  ResponseQuery,
} from 'cosmjs-types/tendermint/abci/types'
import { BaseError } from '../core/errors.ts'
import { equalBytes, latin1String } from '../core/bytes.ts'
import { getAccount, setAccount, addBalance } from './accounts/keeper.ts'
import { FEE_POOL_ADDRESS } from './accounts/keys.ts'
import type { TxContext } from './context.ts'
import { LedgerError } from './errors.ts'
import type { MsgRoute } from './module.ts'
import { MODULES } from './modules.ts'
import { type Params, getParams, paramsFromGenesis, setParams } from './params.ts'
import type { KvDb } from './state/kv.ts'
import { CorruptStateError, INDEX_PREFIX, LedgerStore } from './state/ledger-store.ts'
import { Overlay, type StateReader } from './state/overlay.ts'
import { type DecodedTx, decodeTx, recoverSender } from './tx/envelope.ts'
import {
  ErrFeeTooLow,
  ErrInsufficientFee,
  ErrInternal,
  ErrOversize,
  ErrUnknownMsgType,
  ErrWrongChainId,
  ErrWrongNonce,
} from './tx/errors.ts'

export const APP_VERSION = 1n
const VERIFIED_CACHE_LIMIT = 200_000
/** Bytes of transactions the cache may hold: settlement batches are MBs each, and the count alone would let it grow to GBs. */
const VERIFIED_CACHE_BYTES = 256 * 1024 * 1024

/**
 * Where the verified cache files a transaction: its length and its last 65 bytes (the
 * signature). Two transactions may share it; a hit counts only when every byte matches.
 */
function verifiedKey(bytes: Uint8Array): string {
  return `${bytes.length}:${latin1String(bytes.subarray(Math.max(0, bytes.length - 65)))}`
}

type TxOutcome = { code: number; codespace: string; log: string; events: Event[] }

export class LedgerApp {
  private readonly routes = new Map<number, MsgRoute>()
  /** Decoded, signature-checked transactions (see verifiedKey): a signature is verified once (CheckTx), not again per block. */
  private readonly verified = new Map<string, DecodedTx>()
  private verifiedBytes = 0
  private params: Params | undefined
  private checkState: Overlay
  private checkHeight = 1
  /** CheckTx runs between blocks: it sees the last block's time. */
  private lastBlockTimeMs = 0n
  private staged: { height: number; root: Uint8Array; timeMs: bigint } | undefined
  private lane: Promise<unknown> = Promise.resolve()

  private constructor(
    private readonly store: LedgerStore,
    params: Params | undefined,
  ) {
    for (const m of MODULES) for (const r of m.routes) {
      if (this.routes.has(r.type)) throw new Error(`message type ${r.type} registered twice`)
      this.routes.set(r.type, r)
    }
    this.params = params
    this.checkState = new Overlay(store.committedReader)
    this.checkHeight = store.committed.height + 1
    this.lastBlockTimeMs = store.committed.timeMs
  }

  static async open(kv: KvDb): Promise<LedgerApp> {
    const store = await LedgerStore.open(kv)
    const params = await getParams(store.committedReader)
    return new LedgerApp(store, params)
  }

  get height(): number {
    return this.store.committed.height
  }

  get appHash(): Uint8Array {
    return this.store.committed.root
  }

  get chainId(): string | undefined {
    return this.params?.chainId
  }

  /** State as of the last commit (for queries). */
  get committedState(): StateReader {
    return this.store.committedReader
  }

  /**
   * ABCI calls run one at a time, in arrival order, whichever engine or connection makes them:
   * a CheckTx must not read the check state while another is half-way through writing it.
   */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lane.then(fn)
    this.lane = run.catch(() => {})
    return run
  }

  info(req?: Partial<RequestInfo>): Promise<ResponseInfo> {
    return this.serial(() => this.doInfo(req))
  }
  initChain(req: Partial<RequestInitChain>): Promise<ResponseInitChain> {
    return this.serial(() => this.doInitChain(req))
  }
  checkTx(req: Partial<RequestCheckTx>): Promise<ResponseCheckTx> {
    return this.serial(() => this.doCheckTx(req))
  }
  prepareProposal(req: Partial<RequestPrepareProposal>): Promise<ResponsePrepareProposal> {
    return this.serial(() => this.doPrepareProposal(req))
  }
  processProposal(req: Partial<RequestProcessProposal>): Promise<ResponseProcessProposal> {
    return this.serial(() => this.doProcessProposal(req))
  }
  finalizeBlock(req: Partial<RequestFinalizeBlock>): Promise<ResponseFinalizeBlock> {
    return this.serial(() => this.doFinalizeBlock(req))
  }
  commit(): Promise<ResponseCommit> {
    return this.serial(() => this.doCommit())
  }
  query(req: Partial<RequestQuery>): Promise<ResponseQuery> {
    return this.serial(() => this.doQuery(req))
  }

  private async doInfo(_req?: Partial<RequestInfo>): Promise<ResponseInfo> {
    const { height, root } = this.store.committed
    return ResponseInfo.fromPartial({
      data: 'haca',
      version: '0.1.0',
      appVersion: APP_VERSION,
      lastBlockHeight: BigInt(height),
      lastBlockAppHash: height === 0 ? new Uint8Array() : root,
    })
  }

  private async doInitChain(req: Partial<RequestInitChain>): Promise<ResponseInitChain> {
    let appState: any = {}
    if (req.appStateBytes && req.appStateBytes.length > 0) {
      try {
        appState = JSON.parse(Buffer.from(req.appStateBytes).toString('utf8'))
      } catch (err) {
        throw new BaseError('genesis app_state is not valid JSON', { code: 'invalid_genesis', cause: err })
      }
    }
    const params = paramsFromGenesis(req.chainId ?? '', appState)
    const state = new Overlay(this.store.committedReader)
    setParams(state, params)
    for (const m of MODULES) await m.initGenesis?.(state, appState)
    const root = await this.store.apply(state.sortedWrites())
    this.params = params
    // Genesis is persisted with block 1's commit; until then CheckTx and queries read it from the working trie.
    this.store.pinWorkingView()
    this.checkState = new Overlay(this.store.committedReader)
    const initialHeight = Number(req.initialHeight ?? 1n)
    this.checkHeight = initialHeight > 0 ? initialHeight : 1
    return ResponseInitChain.fromPartial({ appHash: root, validators: req.validators ?? [] })
  }

  /** The stateless validity check shared by CheckTx, PrepareProposal and ProcessProposal. */
  validateTx(bytes: Uint8Array): DecodedTx {
    const key = verifiedKey(bytes)
    const cached = this.verified.get(key)
    // Confirmed byte for byte: a memcmp, where hashing a settlement batch (MBs, and each comes
    // through CheckTx, PrepareProposal, ProcessProposal and FinalizeBlock) cost ~1 ms each time.
    if (cached && equalBytes(cached.bytes, bytes)) return cached
    const params = this.params
    if (!params) throw new ErrInternal('the chain has no genesis yet')
    if (bytes.length > params.maxTxBytes) throw new ErrOversize(`transaction is ${bytes.length} bytes, the limit is ${params.maxTxBytes}`)
    const tx = decodeTx(bytes)
    if (tx.chainId !== params.chainId) throw new ErrWrongChainId(`transaction is for chain "${tx.chainId}", this is "${params.chainId}"`)
    const route = this.routes.get(tx.type)
    if (!route) throw new ErrUnknownMsgType(`unknown message type ${tx.type}`)
    // Decoded once here and kept with the tx: a settlement batch of thousands of receipts is not decoded again per block.
    const msg = route.decode(tx.body)
    if (tx.fee < params.minFee) throw new ErrFeeTooLow(`fee ${tx.fee} is below the minimum ${params.minFee}`)
    const sender = recoverSender(tx, bytes)
    // The body's RLP tree is dropped: the decoded message is what is kept (for seconds, for a settlement batch).
    const decoded: DecodedTx = { ...tx, body: [], bytes, sender, msg }
    // A different transaction under a cached one's key (same length and signature bytes) is not
    // cached: anyone can make one from a transaction seen in the mempool, and evicting the first
    // would make every validator decode it again in each ABCI call.
    if (cached) return decoded
    // Oldest first, until there is room (a Map iterates in insertion order).
    for (const [k, old] of this.verified) {
      if (this.verified.size < VERIFIED_CACHE_LIMIT && this.verifiedBytes + bytes.length <= VERIFIED_CACHE_BYTES) break
      this.forget(k, old)
    }
    this.verified.set(key, decoded)
    this.verifiedBytes += bytes.length
    return decoded
  }

  private forget(key: string, tx: DecodedTx): void {
    if (this.verified.delete(key)) this.verifiedBytes -= tx.bytes.length
  }

  /**
   * Runs one transaction on `state`: nonce and fee first (kept even if the message fails, as
   * the sender did use the block), then the message in its own overlay, dropped on failure.
   * A stored record that does not decode (CorruptStateError) is thrown, not answered.
   */
  private async executeTx(state: Overlay, bytes: Uint8Array, height: number, timeMs: bigint, inBlock: boolean): Promise<TxOutcome> {
    let tx: DecodedTx
    try {
      tx = this.validateTx(bytes)
    } catch (err) {
      return outcomeOf(err, [])
    }
    // In a block, its nonce is used: it cannot be checked or proposed again, so its decoding can go.
    if (inBlock) {
      const key = verifiedKey(bytes)
      if (this.verified.get(key) === tx) this.forget(key, tx)
    }
    const sender = await getAccount(state, tx.sender)
    if (tx.nonce !== sender.nonce) return outcomeOf(new ErrWrongNonce(`nonce ${tx.nonce} for ${tx.sender}, expected ${sender.nonce}`), [])
    if (sender.balance < tx.fee) return outcomeOf(new ErrInsufficientFee(`${tx.sender} has ${sender.balance}, the fee is ${tx.fee}`), [])
    setAccount(state, tx.sender, { balance: sender.balance - tx.fee, nonce: sender.nonce + 1n })
    await addBalance(state, FEE_POOL_ADDRESS, tx.fee)
    const events: Event[] = []
    const route = this.routes.get(tx.type)!
    if (!inBlock && route.checkTxRunsHandler === false) return { code: 0, codespace: '', log: '', events }
    const msgState = new Overlay(state)
    const ctx: TxContext = { store: msgState, sender: tx.sender, height, timeMs, events }
    try {
      await route.handle(ctx, tx.msg)
    } catch (err) {
      // Damaged state is not the transaction's fault: no result code, the node stops (state/corruptState.ts).
      if (err instanceof CorruptStateError) throw err
      return outcomeOf(err, [])
    }
    msgState.flushInto(state)
    events.unshift({
      type: 'tx',
      attributes: [
        // Indexed attributes cost CometBFT's indexer a write each: index what clients search by.
        { key: 'sender', value: tx.sender, index: true },
        { key: 'nonce', value: tx.nonce.toString(), index: false },
        { key: 'fee', value: tx.fee.toString(), index: false },
        { key: 'type', value: route.name, index: false },
      ],
    })
    return { code: 0, codespace: '', log: '', events }
  }

  private async doCheckTx(req: Partial<RequestCheckTx>): Promise<ResponseCheckTx> {
    const bytes = req.tx ?? new Uint8Array()
    const txState = new Overlay(this.checkState)
    const out = await this.executeTx(txState, bytes, this.checkHeight, this.lastBlockTimeMs, false)
    if (out.code === 0) txState.flushInto(this.checkState)
    // No events: CometBFT indexes the block's results, not CheckTx's, and encoding them costs per transaction.
    return ResponseCheckTx.fromPartial({ code: out.code, codespace: out.codespace, log: out.log })
  }

  private async doPrepareProposal(req: Partial<RequestPrepareProposal>): Promise<ResponsePrepareProposal> {
    const max = Number(req.maxTxBytes ?? 0n)
    const txs: Uint8Array[] = []
    let size = 0
    for (const tx of req.txs ?? []) {
      // Leave room for the protobuf framing CometBFT adds per tx.
      if (max > 0 && size + tx.length + 8 > max) break
      try {
        this.validateTx(tx)
      } catch {
        continue
      }
      txs.push(tx)
      size += tx.length + 8
    }
    return ResponsePrepareProposal.fromPartial({ txs })
  }

  private async doProcessProposal(req: Partial<RequestProcessProposal>): Promise<ResponseProcessProposal> {
    for (const tx of req.txs ?? []) {
      try {
        this.validateTx(tx)
      } catch {
        return ResponseProcessProposal.fromPartial({ status: ResponseProcessProposal_ProposalStatus.REJECT })
      }
    }
    return ResponseProcessProposal.fromPartial({ status: ResponseProcessProposal_ProposalStatus.ACCEPT })
  }

  private async doFinalizeBlock(req: Partial<RequestFinalizeBlock>): Promise<ResponseFinalizeBlock> {
    const height = Number(req.height ?? 0n)
    const timeMs = req.time ? req.time.seconds * 1000n + BigInt(Math.floor(req.time.nanos / 1_000_000)) : 0n
    const block = new Overlay(this.store.committedReader)
    const info = { height, timeMs, hash: req.hash ?? new Uint8Array() }
    for (const m of MODULES) await m.beginBlock?.(block, info)
    const txResults: ExecTxResult[] = []
    for (const bytes of req.txs ?? []) {
      const txState = new Overlay(block)
      const out = await this.executeTx(txState, bytes, height, timeMs, true)
      // Failed messages still pay their fee and use their nonce: those writes are in txState.
      txState.flushInto(block)
      txResults.push(ExecTxResult.fromPartial({ code: out.code, codespace: out.codespace, log: out.log, events: out.events }))
    }
    let root: Uint8Array
    try {
      root = await this.store.apply(block.sortedWrites())
    } catch (err) {
      // The trie is half-written: back to the base, so the caller may stop (and replay) cleanly.
      this.store.rollback()
      throw err
    }
    this.staged = { height, root, timeMs }
    this.lastBlockTimeMs = timeMs
    return ResponseFinalizeBlock.fromPartial({ txResults, appHash: root, events: [], validatorUpdates: [] })
  }

  private async doCommit(): Promise<ResponseCommit> {
    if (!this.staged) throw new BaseError('Commit without FinalizeBlock', { code: 'abci_out_of_order' })
    await this.store.commit(this.staged.height, this.staged.timeMs)
    this.checkHeight = this.staged.height + 1
    this.staged = undefined
    this.checkState = new Overlay(this.store.committedReader)
    return ResponseCommit.fromPartial({ retainHeight: 0n })
  }

  /**
   * Paths: `/store` (data = raw state key; with prove, a Merkle proof of the raw value against
   * the app hash), `/<module>/<query>/<arg>` (JSON answers), `/params`.
   */
  private async doQuery(req: Partial<RequestQuery>): Promise<ResponseQuery> {
    const path = req.path ?? ''
    const at = await this.queryHeight(req.height ?? 0n)
    if ('refused' in at) return at.refused
    const { height, reader, historical } = at
    try {
      if (path === '/store') {
        const key = req.data ?? new Uint8Array()
        if (key[0] === INDEX_PREFIX) return ResponseQuery.fromPartial({ code: 1, codespace: 'query', log: 'keys starting 0xff are a derived index, not state: they have no proof (prove the records they point to)', height })
        if (req.prove) {
          const p = await this.store.prove(key, historical)
          return ResponseQuery.fromPartial({
            key,
            value: p.value ?? new Uint8Array(),
            height: BigInt(p.height),
            proofOps: { ops: [{ type: 'haca/mpt', key, data: RLP.encode(p.proof) }] },
          })
        }
        const value = await reader.get(key)
        return ResponseQuery.fromPartial({ key, value: value ?? new Uint8Array(), height })
      }
      if (path === '/params') return jsonQuery(height, historical ? ((await getParams(reader)) ?? null) : (this.params ?? null))
      const [, moduleName, queryName, ...rest] = path.split('/')
      const mod = MODULES.find((m) => m.name === moduleName)
      const handler = mod?.queries?.[queryName ?? '']
      if (!handler) return ResponseQuery.fromPartial({ code: 1, codespace: 'query', log: `unknown query path "${path}"`, height })
      return jsonQuery(height, await handler(reader, rest.join('/'), req.data ?? new Uint8Array()))
    } catch (err) {
      const out = outcomeOf(err, [])
      return ResponseQuery.fromPartial({ code: out.code, codespace: out.codespace, log: out.log, height })
    }
  }

  /**
   * The state a query reads. CometBFT's convention: height 0 is the latest committed; a height
   * the node cannot answer for is refused with a code, never answered from another height.
   */
  private async queryHeight(asked: bigint): Promise<{ refused: ResponseQuery } | { height: bigint; reader: StateReader; historical?: { root: Uint8Array; height: number } }> {
    const latest = this.store.committed.height
    const refuse = (code: number, log: string) => ({ refused: ResponseQuery.fromPartial({ code, codespace: 'query', log, height: BigInt(latest) }) })
    if (asked < 0n) return refuse(QUERY_INVALID_HEIGHT, `height ${asked} is not valid: heights are positive (0 means the latest, ${latest})`)
    if (asked === 0n || asked === BigInt(latest)) return { height: BigInt(latest), reader: this.store.committedReader }
    if (asked > BigInt(latest)) return refuse(QUERY_HEIGHT_NOT_AVAILABLE, `height ${asked} is not available: latest is ${latest}`)
    const root = await this.store.rootAt(Number(asked))
    if (!root) return refuse(QUERY_HEIGHT_NOT_AVAILABLE, `height ${asked} is not available: this node has no state recorded for it (latest is ${latest})`)
    return { height: asked, reader: this.store.readerAt(root, Number(asked)), historical: { root, height: Number(asked) } }
  }
}

/** Query refusals (codespace `query`; 1 is an unknown path or an unprovable key). */
export const QUERY_HEIGHT_NOT_AVAILABLE = 2
export const QUERY_INVALID_HEIGHT = 3

function jsonQuery(height: bigint, value: unknown): ResponseQuery {
  return ResponseQuery.fromPartial({ value: new TextEncoder().encode(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))), height })
}

function outcomeOf(err: unknown, events: Event[]): TxOutcome {
  if (err instanceof LedgerError) return { code: err.abciCode, codespace: err.codespace, log: err.shortMessage, events }
  if (err instanceof BaseError) return { code: 1, codespace: 'app', log: err.shortMessage, events }
  // An unexpected exception in a handler is a bug; its result is still deterministic (same code, same log on every node).
  return { code: 1, codespace: 'app', log: `internal error: ${err instanceof Error ? err.message : String(err)}`, events }
}

