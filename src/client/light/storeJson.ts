/**
 * Light blocks as JSON and back: bigints as decimal strings and bytes as hex, tagged, so a
 * stored block reads back exactly (heights, nanosecond times and hashes included).
 */
import { fromHex, toHex } from '../../core/bytes.ts'
import type { LightBlock } from './types.ts'

export const LIGHT_STORE_FORMAT = 'haca-light-store/1'

export type LightStoreFile = { format: typeof LIGHT_STORE_FORMAT; blocks: unknown[] }

export function lightStoreToJson(blocks: LightBlock[]): string {
  const file = { format: LIGHT_STORE_FORMAT, blocks }
  return JSON.stringify(file, (_key, value: unknown) => {
    if (typeof value === 'bigint') return { $bigint: value.toString() }
    if (value instanceof Uint8Array) return { $hex: toHex(value) }
    return value
  })
}

export function lightStoreFromJson(text: string): LightBlock[] {
  const file = JSON.parse(text, (_key, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const o = value as Record<string, unknown>
      if (typeof o.$bigint === 'string') return BigInt(o.$bigint)
      if (typeof o.$hex === 'string') return fromHex(o.$hex)
    }
    return value
  }) as Partial<LightStoreFile>
  if (file.format !== LIGHT_STORE_FORMAT || !Array.isArray(file.blocks)) throw new Error(`not a light store (expected format ${LIGHT_STORE_FORMAT})`)
  for (const b of file.blocks) {
    const height = (b as Partial<LightBlock>)?.signedHeader?.header?.height
    if (typeof height !== 'bigint' || !Array.isArray((b as Partial<LightBlock>).validatorSet?.validators)) throw new Error('a stored light block has no height or validator set')
  }
  return file.blocks as LightBlock[]
}
