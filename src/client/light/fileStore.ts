/**
 * A light store in one JSON file (Node only: the browser build must not reach this file, it
 * imports node:fs). Every save rewrites the file atomically (a temporary file, then rename), so
 * a crash leaves either the old trusted state or the new one, never half a file.
 */
import { readFile, rename, writeFile } from 'node:fs/promises'
import { BaseError } from '../../core/errors.ts'
import { MemoryLightStore } from './store.ts'
import { lightStoreFromJson, lightStoreToJson } from './storeJson.ts'
import type { LightBlock } from './types.ts'

export class ErrBadLightStoreFile extends BaseError {
  override name = 'ErrBadLightStoreFile' as const
  constructor({ path, reason, cause }: { path: string; reason: string; cause?: unknown }) {
    super(`light store ${path}: ${reason}`, { code: 'light_bad_store_file', cause, hint: 'move the file away to start again from a trust root' })
  }
}

export class FileLightStore extends MemoryLightStore {
  // Saves are chained, so two in flight never write the file out of order.
  private writing: Promise<void> = Promise.resolve()

  private constructor(readonly path: string) {
    super()
  }

  /** The store in `path`, with what it already holds (an absent file is an empty store). */
  static async open(path: string): Promise<FileLightStore> {
    const store = new FileLightStore(path)
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return store
      throw new ErrBadLightStoreFile({ path, reason: `cannot read it: ${(err as Error).message}`, cause: err })
    }
    let blocks: LightBlock[]
    try {
      blocks = lightStoreFromJson(text)
    } catch (err) {
      throw new ErrBadLightStoreFile({ path, reason: (err as Error).message, cause: err })
    }
    for (const b of blocks) store.blocks.set(b.signedHeader.header.height, b)
    return store
  }

  override async save(block: LightBlock): Promise<void> {
    await super.save(block)
    const text = lightStoreToJson([...this.blocks.values()])
    const write = this.writing.then(async () => {
      const temp = `${this.path}.${process.pid}.tmp`
      await writeFile(temp, text, { mode: 0o600 })
      await rename(temp, this.path)
    })
    this.writing = write.catch(() => {})
    await write
  }
}
