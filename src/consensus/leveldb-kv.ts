/** The ledger's KvDb on LevelDB (classic-level). Batches are atomic and synced to disk. */
import { ClassicLevel } from 'classic-level'
import type { KvDb } from '../ledger/state/kv.ts'

export class LevelKv implements KvDb {
  private constructor(private readonly db: ClassicLevel<string, Uint8Array>) {}

  static async open(dir: string): Promise<LevelKv> {
    const db = new ClassicLevel<string, Uint8Array>(dir, {
      keyEncoding: 'utf8',
      valueEncoding: 'view',
      // Most of what the ledger writes is hashes (trie nodes, settlement's index entries):
      // Snappy cannot shrink them and only costs CPU. A larger write buffer means fewer flushes
      // and compactions of the thousands of index entries each settlement batch writes.
      compression: false,
      writeBufferSize: 32 * 1024 * 1024,
      cacheSize: 32 * 1024 * 1024,
    })
    await db.open()
    return new LevelKv(db)
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return (await this.db.get(key)) ?? undefined
  }

  async getMany(keys: string[]): Promise<Array<Uint8Array | undefined>> {
    return (await this.db.getMany(keys)).map((v) => v ?? undefined)
  }

  async writeBatch(entries: Array<[string, Uint8Array]>): Promise<void> {
    await this.db.batch(
      entries.map(([key, value]) => ({ type: 'put' as const, key, value })),
      { sync: true },
    )
  }

  async close(): Promise<void> {
    await this.db.close()
  }
}
