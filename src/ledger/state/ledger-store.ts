/**
 * The authenticated state: a Merkle Patricia trie (@ethereumjs/trie, keccak256, keys hashed)
 * whose root is the app hash. Blocks write into the working trie; `commit` persists the new
 * nodes together with the height and root in one atomic batch, so the last committed state
 * on disk is always whole. Readers (queries, CheckTx) use a view pinned at the committed root.
 */
import { Trie } from '@ethereumjs/trie'
import { ValueEncoding } from '@ethereumjs/util'
import { BaseError } from '../../core/errors.ts'
import { fromHex, toHex } from '../../core/bytes.ts'
import type { KvDb } from './kv.ts'
import { type StateReader, keyName } from './overlay.ts'
import { TrieNodeDb } from './trie-db.ts'
import { TRIE_HASH } from './verifyStateProof.ts'

const META_KEY = 'm:meta'
/** The root committed at a height: queries may ask for the state of an earlier block (trie nodes are never pruned). */
const rootKey = (height: number) => `r:${height}`

/**
 * Keys whose first byte is 0xff are a derived index, not state: kept beside the trie (written in
 * the same atomic commit batch), out of the app hash. Only lookups that the hashed state already
 * determines go there: settlement's receipt id → batch, derived from batch records (which are
 * in the trie and list every receipt id). One trie insert costs ~150 µs here; an index entry a
 * LevelDB put in the commit batch.
 */
export const INDEX_PREFIX = 0xff
const isIndexKey = (key: Uint8Array) => key[0] === INDEX_PREFIX
const indexKvKey = (key: Uint8Array) => `x:${toHex(key).slice(2)}`

const READ_CACHE_LIMIT = 100_000

export type CommittedMeta = { height: number; root: Uint8Array; /** Block time of the last commit, ms. */ timeMs: bigint }

export class CorruptStateError extends BaseError {
  override name = 'CorruptStateError' as const
  constructor({ reason }: { reason: string }) {
    super(`stored ledger state is corrupt: ${reason}; refusing to run on it`, { code: 'corrupt_state' })
  }
}

/** A state reader at an earlier height, asked for a derived-index key: the index keeps only the latest entries. */
export class IndexNotVersionedError extends BaseError {
  override name = 'IndexNotVersionedError' as const
  constructor({ height }: { height: number }) {
    super(`derived-index lookups (receipt ids) are answered at the latest height only, not at height ${height}`, { code: 'index_not_versioned' })
  }
}

export class LedgerStore {
  private committedView: Trie
  private readCache = new Map<string, Uint8Array | undefined>()

  private constructor(
    private readonly kv: KvDb,
    private readonly nodes: TrieNodeDb,
    private readonly working: Trie,
    private meta: CommittedMeta,
  ) {
    this.committedView = this.viewAt(meta.root)
  }

  static async open(kv: KvDb): Promise<LedgerStore> {
    const nodes = new TrieNodeDb(kv)
    const working = new Trie({ db: nodes, ...TRIE_HASH, valueEncoding: ValueEncoding.Bytes })
    const raw = await kv.get(META_KEY)
    let meta: CommittedMeta = { height: 0, root: working.root(), timeMs: 0n }
    if (raw) {
      try {
        const parsed = JSON.parse(Buffer.from(raw).toString('utf8')) as { height: number; root: string; timeMs?: string }
        meta = { height: parsed.height, root: fromHex(parsed.root, 32), timeMs: BigInt(parsed.timeMs ?? '0') }
      } catch (err) {
        throw new CorruptStateError({ reason: `metadata unreadable (${(err as Error).message})` })
      }
      working.root(meta.root)
      // The root node must be on disk, or every read would silently look like an empty state.
      if (meta.height > 0 && !(await working.checkRoot(meta.root))) {
        throw new CorruptStateError({ reason: `root ${toHex(meta.root)} of height ${meta.height} is missing` })
      }
    }
    return new LedgerStore(kv, nodes, working, meta)
  }

  /** The root blocks build on: the last commit's, or genesis' between InitChain and block 1. */
  private base: Uint8Array | undefined

  get committed(): CommittedMeta {
    return this.meta
  }

  /**
   * Reads the state as of the last commit. Values are cached until the next commit: CheckTx,
   * recheck and the next block read the same hot accounts many times, and a trie walk per read
   * (keccak of the key, node decoding) costs more than the rest of a transfer.
   */
  get committedReader(): StateReader {
    const view = this.committedView
    const cache = this.readCache
    return {
      get: async (key) => {
        const k = keyName(key)
        if (cache.has(k)) return cache.get(k)
        const v = isIndexKey(key) ? await this.readIndex(key) : ((await view.get(key)) ?? undefined)
        if (cache.size >= READ_CACHE_LIMIT) cache.clear()
        cache.set(k, v)
        return v
      },
      // Index keys only come in bulk (settlement's receipt ids): one LevelDB call for all of them.
      getMany: async (keys, names) => {
        const out: Array<Uint8Array | undefined> = new Array(keys.length)
        const fromIndex: number[] = []
        for (let i = 0; i < keys.length; i++) {
          const k = names ? names[i] : keyName(keys[i])
          if (cache.has(k)) out[i] = cache.get(k)
          else if (isIndexKey(keys[i])) fromIndex.push(i)
          else out[i] = (await view.get(keys[i])) ?? undefined
        }
        const found = await this.kv.getMany(fromIndex.map((i) => indexKvKey(keys[i])))
        fromIndex.forEach((i, j) => (out[i] = found[j] && found[j]!.length > 0 ? found[j] : undefined))
        return out
      },
    }
  }

  /** Applies writes (already in key order) to the working trie (index keys aside); returns the new root. */
  async apply(writes: Array<[Uint8Array, Uint8Array | null]>): Promise<Uint8Array> {
    for (const [key, value] of writes) {
      if (isIndexKey(key)) this.pendingIndex.set(indexKvKey(key), value ?? new Uint8Array())
      else if (value === null) await this.working.del(key)
      else await this.working.put(key, value)
    }
    return this.working.root()
  }

  private pendingIndex = new Map<string, Uint8Array>()

  private async readIndex(key: Uint8Array): Promise<Uint8Array | undefined> {
    const v = await this.kv.get(indexKvKey(key))
    // An empty value is a deleted entry (the KvDb port only puts).
    return v && v.length > 0 ? v : undefined
  }

  /** Lets readers see the working trie before it is committed (genesis, between InitChain and block 1). */
  pinWorkingView(): void {
    this.base = this.working.root()
    this.committedView = this.viewAt(this.base)
    this.readCache = new Map()
  }

  /**
   * Forgets what `apply` did since the base (a block whose execution failed, to be replayed).
   * New trie nodes stay in memory: they are content-addressed, so unreferenced ones are harmless.
   */
  rollback(): void {
    this.working.root(this.base ?? this.meta.root)
    this.pendingIndex.clear()
  }

  async commit(height: number, timeMs: bigint): Promise<void> {
    const root = this.working.root()
    const metaBytes = new TextEncoder().encode(JSON.stringify({ height, root: toHex(root), timeMs: timeMs.toString() }))
    const index = [...this.pendingIndex.entries()]
    this.pendingIndex.clear()
    await this.kv.writeBatch([...this.nodes.takePending(), ...index, [rootKey(height), root], [META_KEY, metaBytes]])
    this.meta = { height, root, timeMs }
    this.base = root
    this.committedView = this.viewAt(root)
    this.readCache = new Map()
  }

  /**
   * The root committed at `height` (0 < height <= the last committed), or undefined when this
   * store did not record it: heights committed before roots were kept per height.
   */
  async rootAt(height: number): Promise<Uint8Array | undefined> {
    if (height === this.meta.height) return this.meta.root
    if (!Number.isSafeInteger(height) || height <= 0 || height > this.meta.height) return undefined
    const root = await this.kv.get(rootKey(height))
    return root && root.length === 32 ? root : undefined
  }

  /** Reads the state as committed at an earlier height (a root from `rootAt`), uncached. */
  readerAt(root: Uint8Array, height: number): StateReader {
    const view = this.viewAt(root)
    return {
      get: async (key) => {
        if (isIndexKey(key)) throw new IndexNotVersionedError({ height })
        return (await view.get(key)) ?? undefined
      },
    }
  }

  /** A Merkle proof of `key` (present or absent) against the committed root, or an earlier one (`at`, from `rootAt`). */
  async prove(key: Uint8Array, at?: { root: Uint8Array; height: number }): Promise<{ value: Uint8Array | undefined; proof: Uint8Array[]; root: Uint8Array; height: number }> {
    const view = at ? this.viewAt(at.root) : this.committedView
    const value = (await view.get(key)) ?? undefined
    const proof = await view.createProof(key)
    return { value, proof, root: at?.root ?? this.meta.root, height: at?.height ?? this.meta.height }
  }

  private viewAt(root: Uint8Array): Trie {
    const view = this.working.shallowCopy(false)
    view.root(root)
    return view
  }
}
