/**
 * The embedded engine: a single-validator block producer in the app's own process. It calls
 * the same ABCI methods in the same order as CometBFT (Info; InitChain on a new chain;
 * PrepareProposal → ProcessProposal → FinalizeBlock → Commit per block; CheckTx on arrival and
 * recheck after each block), so the same transactions give the same app hashes. There is no
 * BFT here: one producer, no signatures on blocks. It is for `haca dev`, tests and quick starts.
 */
import { CheckTxType, ResponseProcessProposal_ProposalStatus } from 'cosmjs-types/tendermint/abci/types'
import { BaseError } from '../../core/errors.ts'
import { sha256 } from '../../core/hash.ts'
import type { LedgerApp } from '../../ledger/app.ts'
import type { BlockStore, StoredBlock, StoredTxResult } from './block-store.ts'

export type EngineGenesis = { chainId: string; appState: unknown; genesisTime: string }

export type EmbeddedEngineOptions = {
  app: LedgerApp
  blocks: BlockStore
  genesis: EngineGenesis
  /** Wait this long after a block before the next one when transactions are waiting. */
  blockTimeMs?: number
  /** Make an empty block this often, so the chain (and proofs against the next header) move on. */
  emptyBlockMs?: number
  maxBlockBytes?: number
  mempoolSize?: number
  /** Block time source; defaults to the wall clock (the producer's clock, as a CometBFT proposer's). */
  now?: () => Date
  onFatal?: (err: unknown) => void
}

export class MempoolFullError extends BaseError {
  override name = 'MempoolFullError' as const
  constructor(size: number) {
    super(`mempool is full (${size} transactions); try again shortly`, { code: 'mempool_full' })
  }
}

const hexUpper = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase()

type Waiter = (block: StoredBlock) => void

/** CometBFT's answer to a transaction it already holds; its message is CometBFT's, which clients match. */
export class TxInCacheError extends BaseError {
  override name = 'TxInCacheError' as const
  constructor() {
    super('tx already exists in cache', { code: 'tx_in_cache' })
  }
}

export class EmbeddedEngine {
  private mempool: Uint8Array[] = []
  private inMempool = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private producing: Promise<void> | undefined
  private stopped = false
  private lastBlockAt = 0
  private waiters = new Set<Waiter>()
  private mempoolLane: Promise<unknown> = Promise.resolve()
  readonly proposer: string

  constructor(private readonly o: EmbeddedEngineOptions) {
    this.proposer = hexUpper(sha256(new TextEncoder().encode(`haca-embedded/${o.genesis.chainId}`)).subarray(0, 20))
  }

  get app(): LedgerApp {
    return this.o.app
  }

  get blocks(): BlockStore {
    return this.o.blocks
  }

  get chainId(): string {
    return this.o.genesis.chainId
  }

  get mempoolSize(): number {
    return this.mempool.length
  }

  async start(): Promise<void> {
    const { app, blocks, genesis } = this.o
    const info = await app.info({})
    if (info.lastBlockHeight === 0n) {
      await app.initChain({
        chainId: genesis.chainId,
        appStateBytes: new TextEncoder().encode(JSON.stringify(genesis.appState)),
        initialHeight: 1n,
        time: toTimestamp(new Date(genesis.genesisTime)),
      })
    }
    // Replay what the app lost in a crash: blocks stored but not committed by the app.
    for (let h = Number(info.lastBlockHeight) + 1; h <= blocks.height; h++) {
      const b = await blocks.get(h)
      if (!b) throw new BaseError(`block store lacks block ${h} to replay`, { code: 'corrupt_block_store' })
      await this.execute(b)
    }
    // A new chain gets its first block at once, so clients never see a chain without a head.
    if (blocks.height === 0) await this.withMempool(() => this.produce())
    this.schedule()
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    await this.producing
  }

  /**
   * Mempool changes and block production take turns (CometBFT locks its mempool around Commit
   * and recheck the same way): a transaction arriving during a recheck would otherwise be
   * checked against a state its predecessors have not been replayed onto yet.
   */
  private withMempool<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.mempoolLane.then(fn)
    this.mempoolLane = run.catch(() => {})
    return run
  }

  /** CheckTx, then into the mempool. Returns the CheckTx response. */
  submit(tx: Uint8Array) {
    return this.withMempool(() => this.admit(tx))
  }

  private async admit(tx: Uint8Array) {
    const key = Buffer.from(sha256(tx)).toString('hex')
    // As CometBFT: the same bytes again are refused before CheckTx (which would see a used nonce).
    if (this.inMempool.has(key)) throw new TxInCacheError()
    let res
    try {
      res = await this.o.app.checkTx({ tx, type: CheckTxType.NEW })
    } catch (err) {
      // CheckTx answers refusals with codes; a throw is the app failing (corrupt state): stop, as for a block.
      this.stopped = true
      this.o.onFatal?.(err)
      throw err
    }
    if (res.code !== 0) return res
    if (this.mempool.length >= (this.o.mempoolSize ?? 50_000)) throw new MempoolFullError(this.mempool.length)
    this.mempool.push(tx)
    this.inMempool.add(key)
    this.schedule()
    return res
  }

  /** Resolves with the first block whose height is ≥ `height`. */
  waitForBlock(height: number, timeoutMs: number): Promise<StoredBlock | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter)
        resolve(undefined)
      }, timeoutMs)
      const waiter: Waiter = (b) => {
        if (b.height < height) return
        clearTimeout(timer)
        this.waiters.delete(waiter)
        resolve(b)
      }
      this.waiters.add(waiter)
    })
  }

  private schedule(): void {
    if (this.stopped || this.timer || this.producing) return
    const sinceLast = Date.now() - this.lastBlockAt
    const wait = this.mempool.length > 0 ? Math.max(0, (this.o.blockTimeMs ?? 200) - sinceLast) : Math.max(0, (this.o.emptyBlockMs ?? 1000) - sinceLast)
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.producing = this.withMempool(() => this.produce()).then(
        () => {
          this.producing = undefined
          this.schedule()
        },
        (err) => {
          // A block that cannot be produced or committed stops the chain: restarting replays from the stores.
          this.producing = undefined
          this.stopped = true
          this.o.onFatal?.(err)
        },
      )
    }, wait)
  }

  /** One block: propose from the mempool, check, store, execute, commit, recheck the rest. */
  private async produce(): Promise<StoredBlock> {
    const { app, blocks } = this.o
    const height = blocks.height + 1
    const prev = await blocks.get(height - 1)
    let time = (this.o.now ?? (() => new Date()))()
    if (prev && time.getTime() <= Date.parse(prev.time)) time = new Date(Date.parse(prev.time) + 1)
    const candidates = this.mempool.slice()
    const prep = await app.prepareProposal({ txs: candidates, maxTxBytes: BigInt(this.o.maxBlockBytes ?? 8 * 1024 * 1024), height: BigInt(height), time: toTimestamp(time) })
    const proc = await app.processProposal({ txs: prep.txs, height: BigInt(height), time: toTimestamp(time) })
    if (proc.status !== ResponseProcessProposal_ProposalStatus.ACCEPT) throw new BaseError('the app rejected its own proposal', { code: 'proposal_rejected' })
    const txs = prep.txs.map((t) => Buffer.from(t).toString('base64'))
    const dataHash = hexUpper(sha256(Buffer.concat(prep.txs.map((t) => sha256(t)))))
    const header = { height, time: time.toISOString(), lastBlockHash: prev?.hash ?? '', appHash: hexUpper(app.appHash), dataHash, proposer: this.proposer }
    const block: StoredBlock = { ...header, hash: hexUpper(sha256(new TextEncoder().encode(JSON.stringify(header)))), txs }
    await blocks.saveBlock(block)
    await this.execute(block)
    // What went into the block leaves the mempool, and so does what PrepareProposal dropped as
    // invalid; what did not fit stays, and everything left is rechecked against the new state.
    const included = new Set(prep.txs.map((t) => Buffer.from(sha256(t)).toString('hex')))
    const rest = this.mempool.filter((t) => {
      if (included.has(Buffer.from(sha256(t)).toString('hex'))) return false
      try {
        app.validateTx(t)
        return true
      } catch {
        return false
      }
    })
    this.mempool = []
    this.inMempool.clear()
    for (const tx of rest) {
      const r = await app.checkTx({ tx, type: CheckTxType.RECHECK })
      if (r.code === 0) {
        this.mempool.push(tx)
        this.inMempool.add(Buffer.from(sha256(tx)).toString('hex'))
      }
    }
    this.lastBlockAt = Date.now()
    for (const w of [...this.waiters]) w(block)
    return block
  }

  private async execute(block: StoredBlock): Promise<void> {
    const { app, blocks } = this.o
    const txs = block.txs.map((t) => new Uint8Array(Buffer.from(t, 'base64')))
    const res = await app.finalizeBlock({
      txs,
      height: BigInt(block.height),
      time: toTimestamp(new Date(block.time)),
      hash: Buffer.from(block.hash, 'hex'),
      proposerAddress: Buffer.from(block.proposer, 'hex'),
    })
    const txResults: StoredTxResult[] = res.txResults.map((r) => ({
      code: r.code,
      codespace: r.codespace,
      log: r.log,
      events: r.events.map((e) => ({ type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: a.index })) })),
    }))
    block.results = { txResults, appHash: hexUpper(res.appHash) }
    await blocks.saveResults(block, txs.map((t) => hexUpper(sha256(t))))
    await app.commit()
  }
}

function toTimestamp(d: Date): { seconds: bigint; nanos: number } {
  const ms = d.getTime()
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 }
}
