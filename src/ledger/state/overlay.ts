/**
 * Buffered state: reads fall through to a parent, writes stay here until `flushInto`. The
 * ledger stacks them: committed tree ← block ← transaction, so a failed transaction's writes
 * are dropped by discarding its overlay, and nothing reaches the tree until the block ends.
 */
import { latin1String } from '../../core/bytes.ts'

export interface StateReader {
  get(key: Uint8Array): Promise<Uint8Array | undefined>
  /**
   * Many keys at once, in order: thousands of lookups (a settlement batch) in one database trip.
   * `names` (each key as a latin1 string, {@link keyName}) may come along, so that a stack of
   * overlays converts each key once, not once a layer.
   */
  getMany?(keys: Uint8Array[], names?: string[]): Promise<Array<Uint8Array | undefined>>
}

/** `reader.getMany` where the reader has it, else one `get` per key. */
export function getMany(reader: StateReader, keys: Uint8Array[], names?: string[]): Promise<Array<Uint8Array | undefined>> {
  return reader.getMany ? reader.getMany(keys, names) : Promise.all(keys.map((k) => reader.get(k)))
}

export interface StateStore extends StateReader {
  set(key: Uint8Array, value: Uint8Array): void
  delete(key: Uint8Array): void
}

/** A key as a string, one character a byte: what overlays and caches key their maps by. */
export const keyName = (key: Uint8Array): string => latin1String(key)
/** Derived-index keys start with byte 0xff (see ledger-store.ts); their order does not reach the app hash. */
const INDEX_NAME_PREFIX = '\xff'
const bytesOf = (key: string): Uint8Array => new Uint8Array(Buffer.from(key, 'latin1'))

export class Overlay implements StateStore {
  /** null marks a deletion. */
  private writes = new Map<string, Uint8Array | null>()

  constructor(private readonly parent: StateReader) {}

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const w = this.writes.get(keyName(key))
    if (w !== undefined) return w ?? undefined
    return this.parent.get(key)
  }

  async getMany(keys: Uint8Array[], names: string[] = keys.map(keyName)): Promise<Array<Uint8Array | undefined>> {
    if (this.writes.size === 0) return getMany(this.parent, keys, names)
    const out: Array<Uint8Array | undefined> = new Array(keys.length)
    const missing: number[] = []
    for (let i = 0; i < keys.length; i++) {
      const w = this.writes.get(names[i])
      if (w === undefined) missing.push(i)
      else out[i] = w ?? undefined
    }
    if (missing.length === keys.length) return getMany(this.parent, keys, names)
    if (missing.length > 0) {
      const found = await getMany(this.parent, missing.map((i) => keys[i]), missing.map((i) => names[i]))
      missing.forEach((i, j) => (out[i] = found[j]))
    }
    return out
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.writes.set(keyName(key), value)
  }

  delete(key: Uint8Array): void {
    this.writes.set(keyName(key), null)
  }

  get size(): number {
    return this.writes.size
  }

  flushInto(target: Overlay): void {
    if (this.writes.size > target.writes.size) {
      // A settlement message writes thousands of keys into a transaction holding a few: keep
      // the big map and move the few into it, where this overlay did not overwrite them.
      for (const [k, v] of target.writes) if (!this.writes.has(k)) this.writes.set(k, v)
      target.writes = this.writes
      this.writes = new Map()
      return
    }
    for (const [k, v] of this.writes) target.writes.set(k, v)
    this.writes.clear()
  }

  /**
   * Writes in byte order of the key, so the tree sees the same sequence on every node. Derived
   * index entries (thousands per settlement batch) come last and unsorted: they are not in the
   * tree, and a database batch does not depend on its order.
   */
  sortedWrites(): Array<[Uint8Array, Uint8Array | null]> {
    const state: string[] = []
    const index: string[] = []
    for (const k of this.writes.keys()) (k.startsWith(INDEX_NAME_PREFIX) ? index : state).push(k)
    state.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    const out: Array<[Uint8Array, Uint8Array | null]> = new Array(state.length + index.length)
    let i = 0
    for (const k of state) out[i++] = [bytesOf(k), this.writes.get(k) ?? null]
    for (const k of index) out[i++] = [bytesOf(k), this.writes.get(k) ?? null]
    return out
  }

  clear(): void {
    this.writes.clear()
  }
}
