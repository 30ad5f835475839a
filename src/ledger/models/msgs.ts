import { bigintToBytes, fromHex, toHex, utf8 } from '../../core/bytes.ts'
import { type RlpItem, readBytes, readList, readString, readUint } from '../tx/fields.ts'
import { ErrInvalidModel } from './errors.ts'

export const MSG_REGISTER_MODEL = 10

export const MODEL_MODES = ['vanilla', 'tee', 'zkml'] as const
export type ModelMode = (typeof MODEL_MODES)[number]

export type MsgRegisterModel = {
  name: string
  version: string
  /** Walrus blob ID of the model manifest (URL-safe base64, 43 characters). */
  manifestBlobId: string
  /** sha256 of the whole model file. */
  sha256: `0x${string}`
  size: bigint
  format: 'onnx'
  /** Canonical JSON of the input/output schema (see `canonicalIoSchema`). */
  io: string
  modes: ModelMode[]
  /** Price per inference, in base units. */
  price: bigint
}

const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/
const VERSION_RE = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,31}$/
const BLOB_ID_RE = /^[A-Za-z0-9_-]{43}$/
const MAX_IO_BYTES = 16 * 1024

export const registerModelCodec = {
  type: MSG_REGISTER_MODEL,
  name: 'register_model',
  encode(m: MsgRegisterModel): RlpItem[] {
    return [utf8(m.name), utf8(m.version), utf8(m.manifestBlobId), fromHex(m.sha256, 32), bigintToBytes(m.size), utf8(m.format), utf8(m.io), m.modes.map((x) => utf8(x)), bigintToBytes(m.price)]
  },
  decode(body: RlpItem[]): MsgRegisterModel {
    const it = readList(body, 'register_model', 9)
    const name = readString(it[0], 'model.name', 64)
    if (!NAME_RE.test(name)) throw new ErrInvalidModel(`model.name "${name}" must be 1-64 of a-z 0-9 . _ - (starting with a letter or digit)`)
    const version = readString(it[1], 'model.version', 32)
    if (!VERSION_RE.test(version)) throw new ErrInvalidModel(`model.version "${version}" must be 1-32 of A-Z a-z 0-9 . + _ -`)
    const manifestBlobId = readString(it[2], 'model.manifestBlobId', 43)
    if (!BLOB_ID_RE.test(manifestBlobId)) throw new ErrInvalidModel('model.manifestBlobId is not a Walrus blob ID (43 URL-safe base64 characters)')
    const sha256 = toHex(readBytes(it[3], 'model.sha256', 32))
    const size = readUint(it[4], 'model.size', 8)
    if (size === 0n) throw new ErrInvalidModel('model.size must be positive')
    const format = readString(it[5], 'model.format', 16)
    if (format !== 'onnx') throw new ErrInvalidModel(`model.format "${format}" is not supported (onnx)`)
    const io = readString(it[6], 'model.io', MAX_IO_BYTES)
    if (canonicalIoSchema(io) !== io) throw new ErrInvalidModel('model.io is not the canonical form of an io schema')
    const modeItems = readList(it[7], 'model.modes')
    const modes = modeItems.map((m, i) => readString(m, `model.modes[${i}]`, 8))
    if (modes.length === 0) throw new ErrInvalidModel('model.modes must name at least one mode')
    for (const m of modes) if (!(MODEL_MODES as readonly string[]).includes(m)) throw new ErrInvalidModel(`model.modes: "${m}" is not one of ${MODEL_MODES.join(', ')}`)
    if (new Set(modes).size !== modes.length) throw new ErrInvalidModel('model.modes lists a mode twice')
    const price = readUint(it[8], 'model.price')
    return { name, version, manifestBlobId, sha256, size, format, io, modes: modes as ModelMode[], price }
  },
}

type Dim = number | string | null
type ValueInfo = { name: string; elementType: string; shape: Dim[] | null }

/**
 * The one text form of an io schema the ledger accepts: fields in a fixed order, integer or
 * string or null dimensions only. Throws ErrInvalidModel for anything else.
 */
export function canonicalIoSchema(json: string | { inputs: unknown; outputs: unknown }): string {
  let v: any
  try {
    v = typeof json === 'string' ? JSON.parse(json) : json
  } catch {
    throw new ErrInvalidModel('model.io is not JSON')
  }
  const list = (x: unknown, what: string): ValueInfo[] => {
    if (!Array.isArray(x)) throw new ErrInvalidModel(`model.io.${what} must be a list`)
    return x.map((t: any, i: number) => {
      if (typeof t?.name !== 'string' || typeof t?.elementType !== 'string') throw new ErrInvalidModel(`model.io.${what}[${i}] needs a name and an elementType`)
      let shape: Dim[] | null = null
      if (t.shape !== null && t.shape !== undefined) {
        if (!Array.isArray(t.shape)) throw new ErrInvalidModel(`model.io.${what}[${i}].shape must be a list or null`)
        shape = t.shape.map((d: unknown) => {
          if (d === null || typeof d === 'string' || (typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) return d
          throw new ErrInvalidModel(`model.io.${what}[${i}].shape has a dimension that is not a non-negative integer, a name or null`)
        })
      }
      return { name: t.name, elementType: t.elementType, shape }
    })
  }
  return JSON.stringify({ inputs: list(v?.inputs, 'inputs'), outputs: list(v?.outputs, 'outputs') })
}
