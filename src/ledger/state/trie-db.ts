/**
 * Adapts a KvDb to the DB interface @ethereumjs/trie writes its nodes through. Node writes of a
 * block stay in memory (`pending`) until the ledger commits, when they go to disk in the same
 * atomic batch as the new root and height: a crash between blocks leaves the last committed
 * state intact, never a half-written tree. Nodes are content-addressed and never deleted, so
 * older roots stay readable (queries and CheckTx read the committed root while a block runs).
 */
import type { BatchDBOp, DB } from '@ethereumjs/util'
import type { KvDb } from './kv.ts'

const NODE_PREFIX = 'n:'
const CACHE_LIMIT = 200_000

export class TrieNodeDb implements DB<string, Uint8Array> {
  private pending = new Map<string, Uint8Array>()
  private cache = new Map<string, Uint8Array>()

  constructor(private readonly kv: KvDb) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    const p = this.pending.get(key)
    if (p) return p
    const c = this.cache.get(key)
    if (c) return c
    const v = await this.kv.get(NODE_PREFIX + key)
    if (v) this.remember(key, v)
    return v
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.pending.set(key, value)
  }

  // Nodes are never pruned (useNodePruning is off), so deletes do not reach here in practice.
  async del(_key: string): Promise<void> {}

  async batch(ops: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    for (const op of ops) if (op.type === 'put') this.pending.set(op.key, op.value)
  }

  shallowCopy(): DB<string, Uint8Array> {
    return this
  }

  async open(): Promise<void> {}

  /** Moves the pending nodes into a batch for the caller's atomic commit. */
  takePending(): Array<[string, Uint8Array]> {
    const out: Array<[string, Uint8Array]> = []
    for (const [k, v] of this.pending) {
      out.push([NODE_PREFIX + k, v])
      this.remember(k, v)
    }
    this.pending.clear()
    return out
  }

  private remember(key: string, value: Uint8Array): void {
    if (this.cache.size >= CACHE_LIMIT) {
      // Drop the oldest quarter: Map iterates in insertion order.
      let n = CACHE_LIMIT / 4
      for (const k of this.cache.keys()) {
        this.cache.delete(k)
        if (--n <= 0) break
      }
    }
    this.cache.set(key, value)
  }
}
