/**
 * Unsigned transactions as JSON, so that a key can stay on a machine with no network: one
 * machine writes the transaction (`haca tx … --generate-only`), the offline one signs it
 * (`haca tx sign`), and any machine sends the signed bytes (`haca tx broadcast`).
 *
 * The format, version 1 (every integer that can exceed 2^53 is a decimal string):
 *
 * ```json
 * {
 *   "haca-unsigned-tx": 1,
 *   "chainId": "haca-dev",
 *   "from": "0x…20 bytes",
 *   "nonce": "7",
 *   "fee": "10",
 *   "type": 1,
 *   "msg": "transfer",
 *   "body": { "to": "0x…", "amount": "1000" },
 *   "bodyHex": "0xd6…"
 * }
 * ```
 *
 * `type` is the message type of the envelope (src/ledger/tx/envelope.ts), `msg` its name, `body`
 * the message for people to read (byte strings and addresses as 0x hex, integers as decimal
 * strings), and `bodyHex` the message's canonical RLP list, which is what gets signed: signing
 * does not depend on re-encoding the readable form. The signer decodes `bodyHex` with the
 * message's own codec (its stateless checks run), re-encodes it (it must give the same bytes),
 * and checks that it reads as `body`: an edited `body` with a stale `bodyHex`, or the reverse,
 * is refused, so what a person reviewed is what is signed.
 */
import { BaseError } from '../../core/errors.ts'
import { type Hex, equalBytes, fromHex, toHex } from '../../core/bytes.ts'
import { type Address, addressOf, parseAddress } from '../../core/keys.ts'
import { decodeRlp, encodeRlp } from '../../core/rlp.ts'
import { MODULES } from '../../ledger/modules.ts'
import type { MsgRoute } from '../../ledger/module.ts'
import { signTx } from '../../ledger/tx/envelope.ts'
import { MAX_CHAIN_ID_BYTES } from '../../protocol/chain.ts'
import type { RlpItem } from '../../ledger/tx/fields.ts'

export const UNSIGNED_TX_VERSION = 1
const VERSION_FIELD = 'haca-unsigned-tx'

export type UnsignedTxJson = {
  'haca-unsigned-tx': typeof UNSIGNED_TX_VERSION
  chainId: string
  from: Address
  nonce: string
  fee: string
  type: number
  msg: string
  body: Record<string, unknown>
  bodyHex: Hex
}

/** An unsigned transaction, checked: its body decoded by its message's codec. */
export type UnsignedTransaction = { chainId: string; from: Address; nonce: bigint; fee: bigint; type: number; msg: string; body: RlpItem[] }

export class UnsignedTxError extends BaseError {
  override name = 'UnsignedTxError' as const
  constructor(reason: string, { code = 'unsigned_tx_invalid', hint }: { code?: string; hint?: string } = {}) {
    super(`unsigned transaction refused: ${reason}`, { code, hint })
  }
}

function routeOf(type: number): MsgRoute {
  for (const m of MODULES) for (const r of m.routes) if (r.type === type) return r
  throw new UnsignedTxError(`message type ${type} is not one this ledger knows`)
}

/** A decoded message as JSON people can read: bigints as decimal strings, bytes as 0x hex. */
function readable(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Uint8Array) return toHex(value)
  if (typeof value === 'string') return /^0x[0-9a-fA-F]*$/.test(value) ? value.toLowerCase() : value
  if (Array.isArray(value)) return value.map(readable)
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readable(v)]))
  return value
}

/** Order-independent JSON, for comparing the readable body with the one in a file. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`
  return JSON.stringify(value)
}

/** The JSON of an unsigned transaction (what `--generate-only` prints). */
export function unsignedTxToJson(tx: Omit<UnsignedTransaction, 'msg'>): UnsignedTxJson {
  const route = routeOf(tx.type)
  const msg = route.decode(tx.body)
  return {
    [VERSION_FIELD]: UNSIGNED_TX_VERSION,
    chainId: tx.chainId,
    from: tx.from.toLowerCase() as Address,
    nonce: tx.nonce.toString(),
    fee: tx.fee.toString(),
    type: tx.type,
    msg: route.name,
    body: readable(msg) as Record<string, unknown>,
    bodyHex: toHex(encodeRlp(tx.body)),
  }
}

function decimal(value: unknown, field: string): bigint {
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]{0,77})$/.test(value)) throw new UnsignedTxError(`"${field}" must be a non-negative integer as a decimal string, got ${JSON.stringify(value)}`)
  return BigInt(value)
}

/** Reads and checks an unsigned transaction's JSON (text or parsed); throws UnsignedTxError saying what is wrong. */
export function parseUnsignedTx(input: unknown): UnsignedTransaction {
  let json: Record<string, unknown>
  try {
    json = (typeof input === 'string' ? JSON.parse(input) : input) as Record<string, unknown>
  } catch (err) {
    throw new UnsignedTxError(`not JSON (${(err as Error).message})`)
  }
  if (!json || typeof json !== 'object') throw new UnsignedTxError('not a JSON object')
  if (json[VERSION_FIELD] !== UNSIGNED_TX_VERSION) {
    throw new UnsignedTxError(json[VERSION_FIELD] === undefined ? `no "${VERSION_FIELD}" field: not an unsigned haca transaction` : `"${VERSION_FIELD}" is ${JSON.stringify(json[VERSION_FIELD])}; this version of haca reads ${UNSIGNED_TX_VERSION}`)
  }
  const chainId = json.chainId
  if (typeof chainId !== 'string' || chainId === '' || Buffer.byteLength(chainId) > MAX_CHAIN_ID_BYTES) throw new UnsignedTxError(`"chainId" must be a string of 1 to ${MAX_CHAIN_ID_BYTES} bytes`)
  let from: Address
  try {
    from = parseAddress(String(json.from))
  } catch {
    throw new UnsignedTxError(`"from" is not an address: ${JSON.stringify(json.from)}`)
  }
  const nonce = decimal(json.nonce, 'nonce')
  const fee = decimal(json.fee, 'fee')
  if (typeof json.type !== 'number' || !Number.isSafeInteger(json.type)) throw new UnsignedTxError(`"type" must be a message type number, got ${JSON.stringify(json.type)}`)
  const route = routeOf(json.type)
  if (json.msg !== undefined && json.msg !== route.name) throw new UnsignedTxError(`"msg" says ${JSON.stringify(json.msg)} but type ${json.type} is ${route.name}`)
  if (typeof json.bodyHex !== 'string') throw new UnsignedTxError('no "bodyHex": the canonical encoding of the body is what is signed')

  let body: RlpItem[]
  let bytes: Uint8Array
  try {
    bytes = fromHex(json.bodyHex)
    const decoded = decodeRlp(bytes)
    if (!Array.isArray(decoded)) throw new Error('not an RLP list')
    body = decoded
  } catch (err) {
    throw new UnsignedTxError(`"bodyHex" is not a canonical RLP list (${err instanceof BaseError ? err.shortMessage : (err as Error).message})`)
  }
  // The message's own checks (shape, positive amounts…), then the same bytes back.
  let msg: unknown
  try {
    msg = route.decode(body)
  } catch (err) {
    if (err instanceof BaseError) throw new UnsignedTxError(`"bodyHex" is not a valid ${route.name} message: ${err.shortMessage}`)
    throw err
  }
  if (!equalBytes(encodeRlp(route.encode(msg)), bytes)) throw new UnsignedTxError(`"bodyHex" is not the canonical encoding of a ${route.name} message`)
  const expected = readable(msg)
  if (canonical(expected) !== canonical(readable(json.body))) {
    throw new UnsignedTxError(`"body" does not match "bodyHex": the hex says ${canonical(expected)}, the body says ${canonical(readable(json.body))}`, {
      code: 'unsigned_tx_body_mismatch',
      hint: 'the file was edited after it was generated; generate it again with --generate-only rather than editing it',
    })
  }
  return { chainId, from, nonce, fee, type: json.type, msg: route.name, body }
}

export type SignUnsignedTxParameters = {
  privateKey: Uint8Array
  /** The chain the signer means to sign for; a transaction for another chain is refused. */
  chainId?: string
}

/** Signs a checked unsigned transaction; the key must be its `from`. Needs no network. */
export function signUnsignedTx(tx: UnsignedTransaction, p: SignUnsignedTxParameters): { bytes: Uint8Array; hash: Hex; from: Address } {
  const signer = addressOf(p.privateKey)
  if (signer !== tx.from) {
    throw new UnsignedTxError(`it is from ${tx.from}, and this key is ${signer}`, { code: 'unsigned_tx_wrong_key', hint: `sign with the key of ${tx.from}, or generate the transaction with --from ${signer}` })
  }
  if (p.chainId !== undefined && p.chainId !== tx.chainId) {
    throw new UnsignedTxError(`it is for chain "${tx.chainId}", not "${p.chainId}"`, { code: 'unsigned_tx_wrong_chain', hint: 'a transaction signed for one chain is refused by every other; generate it again for the chain you mean' })
  }
  const signed = signTx({ chainId: tx.chainId, nonce: tx.nonce, fee: tx.fee, type: tx.type, body: tx.body }, p.privateKey)
  return { bytes: signed.bytes, hash: toHex(signed.hash), from: signed.sender }
}
