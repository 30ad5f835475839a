/**
 * The one storage port of the ledger. The ledger does no I/O itself; the full node hands it
 * a KvDb (LevelDB on disk, see src/consensus/leveldb-kv.ts) and tests hand it MemoryKv.
 * `writeBatch` must be atomic: after a crash either every entry of a batch is there or none.
 */
export interface KvDb {
  get(key: string): Promise<Uint8Array | undefined>
  /** Many keys in one call (one trip to the database instead of one per key). */
  getMany(keys: string[]): Promise<Array<Uint8Array | undefined>>
  writeBatch(entries: Array<[key: string, value: Uint8Array]>): Promise<void>
  close(): Promise<void>
}

export class MemoryKv implements KvDb {
  readonly map = new Map<string, Uint8Array>()
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.map.get(key)
  }
  async getMany(keys: string[]): Promise<Array<Uint8Array | undefined>> {
    return keys.map((k) => this.map.get(k))
  }
  async writeBatch(entries: Array<[string, Uint8Array]>): Promise<void> {
    for (const [k, v] of entries) this.map.set(k, v)
  }
  async close(): Promise<void> {}
}
