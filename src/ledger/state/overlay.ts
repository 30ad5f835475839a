/**
 * Buffered state: reads fall through to a parent, writes stay here until `flushInto`. The
 * ledger stacks them: committed tree ← block ← transaction, so a failed transaction's writes
 * are dropped by discarding its overlay, and nothing reaches the tree until the block ends.
 */
export interface StateReader {
  get(key: Uint8Array): Promise<Uint8Array | undefined>
  /** Many keys at once, in order: thousands of lookups (a settlement batch) in one database trip. */
  getMany?(keys: Uint8Array[]): Promise<Array<Uint8Array | undefined>>
}

/** `reader.getMany` where the reader has it, else one `get` per key. */
export function getMany(reader: StateReader, keys: Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
  return reader.getMany ? reader.getMany(keys) : Promise.all(keys.map((k) => reader.get(k)))
}

export interface StateStore extends StateReader {
  set(key: Uint8Array, value: Uint8Array): void
  delete(key: Uint8Array): void
}

const keyOf = (key: Uint8Array): string => Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1')
const bytesOf = (key: string): Uint8Array => new Uint8Array(Buffer.from(key, 'latin1'))

export class Overlay implements StateStore {
  /** null marks a deletion. */
  private writes = new Map<string, Uint8Array | null>()

  constructor(private readonly parent: StateReader) {}

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const w = this.writes.get(keyOf(key))
    if (w !== undefined) return w ?? undefined
    return this.parent.get(key)
  }

  async getMany(keys: Uint8Array[]): Promise<Array<Uint8Array | undefined>> {
    const out: Array<Uint8Array | undefined> = new Array(keys.length)
    const missing: number[] = []
    keys.forEach((key, i) => {
      const w = this.writes.get(keyOf(key))
      if (w === undefined) missing.push(i)
      else out[i] = w ?? undefined
    })
    if (missing.length > 0) {
      const found = await getMany(this.parent, missing.map((i) => keys[i]))
      missing.forEach((i, j) => (out[i] = found[j]))
    }
    return out
  }

  set(key: Uint8Array, value: Uint8Array): void {
    this.writes.set(keyOf(key), value)
  }

  delete(key: Uint8Array): void {
    this.writes.set(keyOf(key), null)
  }

  get size(): number {
    return this.writes.size
  }

  flushInto(target: Overlay): void {
    for (const [k, v] of this.writes) target.writes.set(k, v)
    this.writes.clear()
  }

  /** Writes in byte order of the key, so the tree sees the same sequence on every node. */
  sortedWrites(): Array<[Uint8Array, Uint8Array | null]> {
    const keys = [...this.writes.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    return keys.map((k) => [bytesOf(k), this.writes.get(k) ?? null])
  }

  clear(): void {
    this.writes.clear()
  }
}
