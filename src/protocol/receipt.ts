/**
 * Inference receipts: what a node signs for every answer, and what clients and the ledger's
 * settlement module verify. Everything here is pure (no I/O, no randomness, no clock) so the
 * ledger can import it; receipt ids are made in receiptId.ts.
 *
 * Canonical bytes: the RLP list
 *   [version, id, node, model, mode, requestHash, responseHash, price, timestamp]
 * with integers as minimal big-endian bytes, hashes and ids as 32 raw bytes, the node as its
 * 20 address bytes, model and mode as UTF-8. The signature is a 65-byte recoverable secp256k1
 * signature (r ‖ s ‖ v) over keccak256(RECEIPT_DOMAIN ‖ canonical bytes); the domain prefix
 * keeps a receipt signature from ever being valid as some other message of the same key.
 * The wire form of a signed receipt is the RLP list of the nine fields plus the signature.
 */
import { RLP } from '@ethereumjs/rlp'
import { BaseError } from '../core/errors.ts'
import { ErrorCode } from './errorCodes.ts'
import { ProtocolError } from './errors.ts'
import { type Hex, bigintToBytes, bytesToBigint, concatBytes, fromHex, toHex, utf8 } from '../core/bytes.ts'
import { keccak256 } from '../core/hash.ts'
import { RlpError, rlpListOffsets } from '../core/rlp.ts'
import { type Address, addressOf, parseAddress, recoverAddress, signDigest } from '../core/keys.ts'
import { type InferenceMode, INFERENCE_MODES } from './modes.ts'

/** The receipt format this code writes. */
export const RECEIPT_VERSION = 1
/** Prefixed to the canonical bytes before hashing, so the digest is unique to receipts. */
export const RECEIPT_DOMAIN = utf8('haca/inference-receipt/v1\n')

/** How an answer was produced: plain, inside an attested enclave, or with a ZKML proof. */

/** The signed fields of a receipt. */
export type UnsignedReceipt = {
  version: number
  /** 32 bytes, unique per answer. */
  id: Hex
  /** The signing node's address. */
  node: Address
  /** Model ID (ONNX) or provider model name (LLM). */
  model: string
  mode: InferenceMode
  /** sha256 of the canonical JSON of the request body. */
  requestHash: Hex
  /** sha256 of the response body bytes; for a stream, of every byte streamed before the receipt event. */
  responseHash: Hex
  /** Price charged, in the ledger's smallest unit. */
  price: bigint
  /** Milliseconds since the Unix epoch. */
  timestamp: number
}

export type Receipt = UnsignedReceipt & {
  /** 65 bytes r ‖ s ‖ v over {@link receiptDigest}. */
  signature: Hex
}

/** A receipt as JSON (price as a decimal string), as served by `GET /v1/receipts/:id`. */
export type ReceiptJson = Omit<Receipt, 'price'> & { price: string }

export class InvalidReceiptError extends ProtocolError {
  override name = 'InvalidReceiptError' as const
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`invalid receipt: ${reason}`, { code: ErrorCode.invalidReceipt, cause })
  }
}

function checkFields(r: Pick<UnsignedReceipt, 'version' | 'mode' | 'model' | 'price' | 'timestamp'>): void {
  if (r.version !== RECEIPT_VERSION) throw new InvalidReceiptError({ reason: `unsupported version ${r.version}` })
  if (!INFERENCE_MODES.includes(r.mode)) throw new InvalidReceiptError({ reason: `unknown mode "${r.mode}"` })
  if (typeof r.model !== 'string' || r.model.length === 0 || r.model.length > 256) throw new InvalidReceiptError({ reason: 'model must be 1 to 256 characters' })
  if (typeof r.price !== 'bigint' || r.price < 0n) throw new InvalidReceiptError({ reason: 'price must be a non-negative bigint' })
  if (!Number.isSafeInteger(r.timestamp) || r.timestamp < 0) throw new InvalidReceiptError({ reason: 'timestamp must be a non-negative integer (ms)' })
}

function fieldList(r: UnsignedReceipt): Uint8Array[] {
  checkFields(r)
  try {
    return [
      bigintToBytes(BigInt(r.version)),
      fromHex(r.id, 32),
      fromHex(parseAddress(r.node), 20),
      utf8(r.model),
      utf8(r.mode),
      fromHex(r.requestHash, 32),
      fromHex(r.responseHash, 32),
      bigintToBytes(r.price),
      bigintToBytes(BigInt(r.timestamp)),
    ]
  } catch (err) {
    if (err instanceof InvalidReceiptError) throw err
    throw new InvalidReceiptError({ reason: err instanceof BaseError ? err.shortMessage : String(err), cause: err })
  }
}

/** The canonical bytes of the signed fields (deterministic: same receipt, same bytes). */
export function encodeUnsignedReceipt(receipt: UnsignedReceipt): Uint8Array {
  return RLP.encode(fieldList(receipt))
}

/** The 32-byte digest a node signs: keccak256(RECEIPT_DOMAIN ‖ canonical bytes). */
export function receiptDigest(receipt: UnsignedReceipt): Uint8Array {
  return keccak256(concatBytes(RECEIPT_DOMAIN, encodeUnsignedReceipt(receipt)))
}

/**
 * Signs a receipt with the node's private key. The node field must be that key's address
 * (`keyAddress`, when given, is taken as that address without deriving it again).
 *
 * @example
 * const receipt = signReceipt({ version: 1, id, node: addressOf(key), model: 'm', mode: 'vanilla',
 *   requestHash, responseHash, price: 10n, timestamp: Date.now() }, key)
 */
export function signReceipt(receipt: UnsignedReceipt, privateKey: Uint8Array, options: { keyAddress?: Address } = {}): Receipt {
  return signAndEncodeReceipt(receipt, privateKey, options).receipt
}

/**
 * {@link signReceipt}, also returning the wire form ({@link encodeReceipt}). A node needs both
 * for every answer (the log line and the response header); the fields are checked and
 * encoded once for the digest and the wire form together.
 */
export function signAndEncodeReceipt(receipt: UnsignedReceipt, privateKey: Uint8Array, { keyAddress }: { keyAddress?: Address } = {}): { receipt: Receipt; wire: Uint8Array } {
  const unsigned: UnsignedReceipt = { ...receipt, node: parseAddress(receipt.node) }
  // A node passes its address (derived once at start) so the hot path skips a public-key derivation.
  if ((keyAddress ?? addressOf(privateKey)) !== unsigned.node) throw new InvalidReceiptError({ reason: 'the node field is not the signing key\'s address' })
  const fields = fieldList(unsigned)
  const signature = signDigest(keccak256(concatBytes(RECEIPT_DOMAIN, RLP.encode(fields))), privateKey)
  return { receipt: { ...unsigned, signature: toHex(signature) }, wire: RLP.encode([...fields, signature]) }
}

/** The address that signed `receipt`, or null when the signature is malformed or recovers nothing. */
export function recoverReceiptSigner(receipt: Receipt): Address | null {
  let sig: Uint8Array
  try {
    sig = fromHex(receipt.signature, 65)
  } catch {
    return null
  }
  return recoverAddress(receiptDigest(receipt), sig)
}

/** What {@link verifyReceipt} checks beyond the signature; each given field must match exactly. */
export type VerifyReceiptExpectations = {
  /** The node that must have signed it (its registered address). */
  node?: Address
  requestHash?: Hex
  responseHash?: Hex
  model?: string
  mode?: InferenceMode
  /** Highest acceptable price. */
  maxPrice?: bigint
}

/** The first check that failed, named so callers can report it. */
export type ReceiptCheck = 'format' | 'signature' | 'node' | 'requestHash' | 'responseHash' | 'model' | 'mode' | 'price'

export type VerifyReceiptResult = { ok: true; signer: Address } | { ok: false; failed: ReceiptCheck; reason: string }

/**
 * Verifies a receipt: a well-formed body, a valid low-s signature whose signer is the
 * receipt's `node`, and any expectations given. Pure and synchronous; used by the SDK and the
 * ledger's settlement module.
 *
 * @example
 * const r = verifyReceipt(receipt, { node: knownAddress, requestHash: hashRequest(body) })
 * if (!r.ok) throw new Error(`receipt ${r.failed}: ${r.reason}`)
 */
export function verifyReceipt(receipt: Receipt, expect: VerifyReceiptExpectations = {}): VerifyReceiptResult {
  let signer: Address | null
  try {
    signer = recoverReceiptSigner(receipt)
  } catch (err) {
    return { ok: false, failed: 'format', reason: err instanceof BaseError ? err.shortMessage : String(err) }
  }
  if (signer === null) return { ok: false, failed: 'signature', reason: 'the signature is malformed or recovers no key' }
  if (signer !== receipt.node.toLowerCase()) return { ok: false, failed: 'signature', reason: `signed by ${signer}, not by the receipt's node ${receipt.node}` }
  if (expect.node !== undefined && signer !== expect.node.toLowerCase()) return { ok: false, failed: 'node', reason: `signed by ${signer}, expected ${expect.node.toLowerCase()}` }
  if (expect.requestHash !== undefined && receipt.requestHash.toLowerCase() !== expect.requestHash.toLowerCase()) return { ok: false, failed: 'requestHash', reason: `request hash ${receipt.requestHash} differs from ${expect.requestHash}` }
  if (expect.responseHash !== undefined && receipt.responseHash.toLowerCase() !== expect.responseHash.toLowerCase()) return { ok: false, failed: 'responseHash', reason: `response hash ${receipt.responseHash} differs from ${expect.responseHash}` }
  if (expect.model !== undefined && receipt.model !== expect.model) return { ok: false, failed: 'model', reason: `model "${receipt.model}", expected "${expect.model}"` }
  if (expect.mode !== undefined && receipt.mode !== expect.mode) return { ok: false, failed: 'mode', reason: `mode "${receipt.mode}", expected "${expect.mode}"` }
  if (expect.maxPrice !== undefined && receipt.price > expect.maxPrice) return { ok: false, failed: 'price', reason: `price ${receipt.price} above the limit ${expect.maxPrice}` }
  return { ok: true, signer }
}

/** The wire form: RLP of the nine signed fields followed by the signature. */
export function encodeReceipt(receipt: Receipt): Uint8Array {
  return RLP.encode([...fieldList(receipt), fromHex(receipt.signature, 65)])
}

// ignoreBOM: a swallowed byte-order mark would let two byte strings decode to one signed receipt.
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Item order of the wire form; `at[2i]`..`at[2i + 1]` is item i's bytes (see {@link parseReceipt}). */
const enum Item { version, id, node, model, mode, requestHash, responseHash, price, timestamp, signature }
const ITEMS = 10
const FIXED: Array<[Item, string, number]> = [[Item.id, 'id', 32], [Item.node, 'node', 20], [Item.requestHash, 'requestHash', 32], [Item.responseHash, 'responseHash', 32], [Item.signature, 'signature', 65]]

/** A canonical RLP integer (no leading zero byte: one encoding per receipt) that is a safe integer, as a number. */
function smallInteger(bytes: Uint8Array, at: Int32Array, item: Item, what: string): number {
  const start = at[2 * item]
  const end = at[2 * item + 1]
  if (end > start && bytes[start] === 0) throw new InvalidReceiptError({ reason: `${what} has a leading zero byte` })
  // Up to 2^53 the sum is exact; anything larger comes out above MAX_SAFE_INTEGER and is refused.
  let n = 0
  for (let i = start; i < end && n <= Number.MAX_SAFE_INTEGER; i++) n = n * 256 + bytes[i]
  if (n > Number.MAX_SAFE_INTEGER) throw new InvalidReceiptError({ reason: `${what} out of range` })
  return n
}

function text(bytes: Uint8Array, at: Int32Array, item: Item): string {
  return textDecoder.decode(bytes.subarray(at[2 * item], at[2 * item + 1]))
}

/**
 * Checks the wire form and finds its items: `at` (20 entries) receives where each lies; the
 * values the checks need are returned. Every check of {@link decodeReceipt} is here, once.
 */
function parseReceipt(bytes: Uint8Array, at: Int32Array): Pick<UnsignedReceipt, 'version' | 'model' | 'mode' | 'price' | 'timestamp'> {
  try {
    rlpListOffsets(bytes, at)
  } catch (err) {
    throw new InvalidReceiptError({ reason: err instanceof RlpError ? `expected a list of ${ITEMS} byte strings (${err.shortMessage})` : String(err), cause: err })
  }
  for (const [item, what, length] of FIXED) {
    const got = at[2 * item + 1] - at[2 * item]
    if (got !== length) throw new InvalidReceiptError({ reason: `${what} is ${got} bytes, expected ${length}` })
  }
  const version = smallInteger(bytes, at, Item.version, 'version')
  const timestamp = smallInteger(bytes, at, Item.timestamp, 'timestamp')
  const priceStart = at[2 * Item.price]
  if (at[2 * Item.price + 1] > priceStart && bytes[priceStart] === 0) throw new InvalidReceiptError({ reason: 'price has a leading zero byte' })
  const price = bytesToBigint(bytes.subarray(priceStart, at[2 * Item.price + 1]))
  let model: string
  let mode: string
  try {
    model = text(bytes, at, Item.model)
    mode = text(bytes, at, Item.mode)
  } catch (err) {
    throw new InvalidReceiptError({ reason: 'model or mode is not UTF-8', cause: err })
  }
  const values = { version, model, mode: mode as InferenceMode, price, timestamp }
  checkFields(values)
  return values
}

/** Item offsets of the receipt being parsed (read before the next parse; a fresh Int32Array of 20 costs ~0.5 µs). */
const scratch = new Int32Array(2 * ITEMS)

/**
 * A receipt's fields as views into its wire bytes: what the ledger reads of thousands of
 * receipts per settlement batch, without a hex string per hash (see {@link decodeReceiptFields}).
 */
export type ReceiptFields = {
  version: number
  id: Uint8Array
  node: Uint8Array
  model: string
  mode: InferenceMode
  requestHash: Uint8Array
  responseHash: Uint8Array
  price: bigint
  timestamp: number
  signature: Uint8Array
}

/**
 * Parses the wire form into byte views (no copies; they share `bytes`), with every check of
 * {@link decodeReceipt}; throws {@link InvalidReceiptError} on anything malformed. Does not
 * check the signature.
 */
export function decodeReceiptFields(bytes: Uint8Array): ReceiptFields {
  const at = scratch
  const v = parseReceipt(bytes, at)
  const view = (item: Item) => bytes.subarray(at[2 * item], at[2 * item + 1])
  return { version: v.version, id: view(Item.id), node: view(Item.node), model: v.model, mode: v.mode, requestHash: view(Item.requestHash), responseHash: view(Item.responseHash), price: v.price, timestamp: v.timestamp, signature: view(Item.signature) }
}

/** Where a receipt's id, node, request hash and price lie in its wire bytes, with the values settlement checks. */
export type ReceiptLayout = Pick<UnsignedReceipt, 'version' | 'model' | 'mode' | 'price' | 'timestamp'> & { idAt: number; nodeAt: number; requestHashAt: number; priceAt: number; priceEnd: number }

/** {@link decodeReceiptFields} without the views: offsets instead (for a settlement batch's thousands of receipts). */
export function decodeReceiptLayout(bytes: Uint8Array): ReceiptLayout {
  const v = parseReceipt(bytes, scratch) as ReceiptLayout
  v.idAt = scratch[2 * Item.id]
  v.nodeAt = scratch[2 * Item.node]
  v.requestHashAt = scratch[2 * Item.requestHash]
  v.priceAt = scratch[2 * Item.price]
  v.priceEnd = scratch[2 * Item.price + 1]
  return v
}

/** Parses the wire form; throws {@link InvalidReceiptError} on anything malformed. Does not check the signature. */
export function decodeReceipt(bytes: Uint8Array): Receipt {
  const f = decodeReceiptFields(bytes)
  return { ...f, id: toHex(f.id), node: toHex(f.node), requestHash: toHex(f.requestHash), responseHash: toHex(f.responseHash), signature: toHex(f.signature) }
}

/** Hex of the wire form, as sent in the receipt header (`RECEIPT_HEADER`). */
export function receiptToHex(receipt: Receipt): Hex {
  return toHex(encodeReceipt(receipt))
}

export function receiptFromHex(hex: string): Receipt {
  let bytes: Uint8Array
  try {
    bytes = fromHex(hex)
  } catch (err) {
    throw new InvalidReceiptError({ reason: 'not hex', cause: err })
  }
  return decodeReceipt(bytes)
}

export function receiptToJson(receipt: Receipt): ReceiptJson {
  return { ...receipt, price: receipt.price.toString() }
}

export function receiptFromJson(json: ReceiptJson): Receipt {
  if (typeof json !== 'object' || json === null) throw new InvalidReceiptError({ reason: 'not an object' })
  if (typeof json.price !== 'string' || !/^[0-9]+$/.test(json.price)) throw new InvalidReceiptError({ reason: 'price must be a decimal string' })
  const receipt: Receipt = {
    version: json.version,
    id: json.id,
    node: json.node,
    model: json.model,
    mode: json.mode,
    requestHash: json.requestHash,
    responseHash: json.responseHash,
    price: BigInt(json.price),
    timestamp: json.timestamp,
    signature: json.signature,
  }
  // Round-trip through the wire form so every field is checked the same way as decodeReceipt.
  return decodeReceipt(encodeReceipt(receipt))
}
