/**
 * The light client's trusted store (CometBFT's light/store): light blocks it has verified, by
 * height, so a client resumes from its latest trusted block instead of the trust root. Memory
 * here; a JSON file in Node in fileStore.ts (kept apart so the browser build never reaches
 * node:fs).
 */
import type { LightBlock } from './types.ts'

export interface LightStore {
  /** Keeps a verified light block (replacing one at the same height). */
  save(block: LightBlock): Promise<void>
  lightBlock(height: bigint): Promise<LightBlock | undefined>
  /** The highest stored block below `height`, if any. */
  lightBlockBefore(height: bigint): Promise<LightBlock | undefined>
  latest(): Promise<LightBlock | undefined>
  lowest(): Promise<LightBlock | undefined>
  size(): Promise<number>
}

const heightOf = (b: LightBlock): bigint => b.signedHeader.header.height

export class MemoryLightStore implements LightStore {
  protected readonly blocks = new Map<bigint, LightBlock>()

  async save(block: LightBlock): Promise<void> {
    this.blocks.set(heightOf(block), block)
  }

  async lightBlock(height: bigint): Promise<LightBlock | undefined> {
    return this.blocks.get(height)
  }

  async lightBlockBefore(height: bigint): Promise<LightBlock | undefined> {
    let best: LightBlock | undefined
    for (const [h, b] of this.blocks) if (h < height && (!best || h > heightOf(best))) best = b
    return best
  }

  async latest(): Promise<LightBlock | undefined> {
    return this.extreme((a, b) => a > b)
  }

  async lowest(): Promise<LightBlock | undefined> {
    return this.extreme((a, b) => a < b)
  }

  async size(): Promise<number> {
    return this.blocks.size
  }

  private extreme(better: (a: bigint, b: bigint) => boolean): LightBlock | undefined {
    let best: LightBlock | undefined
    for (const [h, b] of this.blocks) if (!best || better(h, heightOf(best))) best = b
    return best
  }
}
