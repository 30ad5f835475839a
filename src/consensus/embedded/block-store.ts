/**
 * Blocks and results of the embedded engine, on LevelDB. A block is stored before it is
 * executed and its results before the app commits it, so after a crash the engine replays
 * exactly the block the app lost (as CometBFT does from its own block store).
 */
import { ClassicLevel } from 'classic-level'

export type StoredTxResult = { code: number; codespace: string; log: string; events: Array<{ type: string; attributes: Array<{ key: string; value: string; index: boolean }> }> }

export type StoredBlock = {
  height: number
  /** RFC 3339 with nanoseconds, as CometBFT prints times. */
  time: string
  hash: string
  lastBlockHash: string
  /** App hash after the previous block (what this block's header commits to). */
  appHash: string
  dataHash: string
  proposer: string
  txs: string[]
  results?: { txResults: StoredTxResult[]; appHash: string }
}

const pad = (h: number) => h.toString().padStart(12, '0')

export class BlockStore {
  private constructor(
    private readonly db: ClassicLevel<string, string>,
    private top: number,
  ) {}

  static async open(dir: string): Promise<BlockStore> {
    const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
    await db.open()
    const top = Number((await db.get('top')) ?? '0')
    return new BlockStore(db, top)
  }

  get height(): number {
    return this.top
  }

  async get(height: number): Promise<StoredBlock | undefined> {
    const raw = await this.db.get(`b:${pad(height)}`)
    return raw ? (JSON.parse(raw) as StoredBlock) : undefined
  }

  async saveBlock(block: StoredBlock): Promise<void> {
    await this.db.batch([
      { type: 'put', key: `b:${pad(block.height)}`, value: JSON.stringify(block) },
      { type: 'put', key: 'top', value: String(block.height) },
    ], { sync: true })
    this.top = block.height
  }

  async saveResults(block: StoredBlock, txHashes: string[]): Promise<void> {
    const ops: Array<{ type: 'put'; key: string; value: string }> = [{ type: 'put', key: `b:${pad(block.height)}`, value: JSON.stringify(block) }]
    txHashes.forEach((h, index) => ops.push({ type: 'put', key: `t:${h}`, value: JSON.stringify({ height: block.height, index }) }))
    await this.db.batch(ops, { sync: true })
  }

  async findTx(hashHex: string): Promise<{ height: number; index: number } | undefined> {
    const raw = await this.db.get(`t:${hashHex.toUpperCase()}`)
    return raw ? JSON.parse(raw) : undefined
  }

  async close(): Promise<void> {
    await this.db.close()
  }
}
