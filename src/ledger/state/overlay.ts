/**
 * Buffered state: reads fall through to a parent, writes stay here until `flushInto`. The
 * ledger stacks them: committed tree ← block ← transaction, so a failed transaction's writes
 * are dropped by discarding its overlay, and nothing reaches the tree until the block ends.
 */
export interface StateReader {
  get(key: Uint8Array): Promise<Uint8Array | undefined>
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
