/**
 * Stored records that do not decode. Every node wrote the same bytes, so a record that no
 * longer decodes means this node's state is damaged (disk, a bug in a setter, a hand edit):
 * answering transactions from it as if they were malformed would let this node drift from the
 * others. Keepers decode what they read through `decodeStored`; its error is a
 * CorruptStateError, which the app never turns into a result code: it propagates out of
 * CheckTx and FinalizeBlock and stops the node (AbciServer's onFatal, the engine's onFatal).
 */
import { toHex } from '../../core/bytes.ts'
import { entryOfKey } from '../keyPrefixes.ts'
import { CorruptStateError } from './ledger-store.ts'
import type { StateReader } from './overlay.ts'

export class CorruptRecordError extends CorruptStateError {
  /** The module that owns the key (from the prefix table), or "unknown". */
  readonly module: string
  /** The key, 0x-hex. */
  readonly key: string
  constructor({ key, cause }: { key: Uint8Array; cause: unknown }) {
    const found = entryOfKey(key)
    const module = found?.entry.module ?? 'unknown'
    const record = found?.entry.record ?? 'record'
    super({ reason: `the ${module} module's ${record} under key ${toHex(key)} does not decode (${cause instanceof Error ? cause.message : String(cause)})` })
    this.module = module
    this.key = toHex(key)
  }
}

/** `decode(raw)`, where any failure means the stored record under `key` is corrupt. */
export function decodeStored<T>(key: Uint8Array, raw: Uint8Array, decode: (raw: Uint8Array) => T): T {
  try {
    return decode(raw)
  } catch (err) {
    throw new CorruptRecordError({ key, cause: err })
  }
}

/** The record under `key`, decoded; undefined when there is none; CorruptRecordError when it does not decode. */
export async function readStored<T>(store: StateReader, key: Uint8Array, decode: (raw: Uint8Array) => T): Promise<T | undefined> {
  const raw = await store.get(key)
  return raw === undefined ? undefined : decodeStored(key, raw, decode)
}
