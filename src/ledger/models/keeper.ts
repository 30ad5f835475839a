import { RLP } from '@ethereumjs/rlp'
import { bigintToBytes, fromHex, utf8 } from '../../core/bytes.ts'
import type { Address } from '../../core/keys.ts'
import type { StateReader, StateStore } from '../state/overlay.ts'
import { readStored } from '../state/corruptState.ts'
import { readAddress, readList, readString, readUint } from '../tx/fields.ts'
import { modelKey, nameKey, NAMES_KEY } from './keys.ts'
import { type MsgRegisterModel, registerModelCodec } from './msgs.ts'

export type ModelRecord = MsgRegisterModel & { id: `0x${string}`; owner: Address; registeredAtHeight: number; registeredAtMs: bigint }

export function encodeModel(m: ModelRecord): Uint8Array {
  return RLP.encode([fromHex(m.owner, 20), registerModelCodec.encode(m), bigintToBytes(BigInt(m.registeredAtHeight)), bigintToBytes(m.registeredAtMs)])
}

export function decodeModel(id: `0x${string}`, raw: Uint8Array): ModelRecord {
  const it = readList(RLP.decode(raw), 'model record', 4)
  const msg = registerModelCodec.decode(readList(it[1], 'model record body'))
  return { ...msg, id, owner: readAddress(it[0], 'owner'), registeredAtHeight: Number(readUint(it[2], 'height', 8)), registeredAtMs: readUint(it[3], 'time', 8) }
}

export async function getModel(store: StateReader, id: `0x${string}`): Promise<ModelRecord | undefined> {
  return readStored(store, modelKey(fromHex(id, 32)), (raw) => decodeModel(id, raw))
}

export type NameRecord = { owner: Address; versions: string[] }

export async function getName(store: StateReader, name: string): Promise<NameRecord | undefined> {
  return readStored(store, nameKey(name), (raw) => {
    const it = readList(RLP.decode(raw), 'name record', 2)
    return { owner: readAddress(it[0], 'owner'), versions: readList(it[1], 'versions').map((v, i) => readString(v, `versions[${i}]`, 32)) }
  })
}

export async function getNames(store: StateReader): Promise<string[]> {
  return (await readStored(store, NAMES_KEY, (raw) => readList(RLP.decode(raw), 'names').map((v, i) => readString(v, `names[${i}]`, 64)))) ?? []
}

/** Stores a new version; the caller has checked that it is new and that the sender owns the name. */
export async function addModel(store: StateStore, m: ModelRecord): Promise<void> {
  // Loads first, then writes (a record that does not decode stops here, with nothing written).
  const existing = await getName(store, m.name)
  const names = existing ? undefined : await getNames(store)
  store.set(modelKey(fromHex(m.id, 32)), encodeModel(m))
  const versions = [...(existing?.versions ?? []), m.version]
  store.set(nameKey(m.name), RLP.encode([fromHex(m.owner, 20), versions.map((v) => utf8(v))]))
  if (names) store.set(NAMES_KEY, RLP.encode([...names, m.name].map((n) => utf8(n))))
}

/** The models module as other modules reach it (settlement's ModelsKeeper), handed to them in modules.ts. */
export const modelsKeeper = {
  /** The registered price of model `id`; undefined when no such model is registered. */
  async price(store: StateReader, id: `0x${string}`): Promise<bigint | undefined> {
    return (await getModel(store, id))?.price
  },
}
