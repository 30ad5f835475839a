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
import { type Hex, bigintToBytes, bytesToBigint, concatBytes, fromHex, toHex, utf8 } from '../core/bytes.ts'
import { keccak256 } from '../core/hash.ts'
import { decodeRlp } from '../core/rlp.ts'
import { type Address, addressOf, parseAddress, recoverAddress, signDigest } from '../core/keys.ts'

/** The receipt format this code writes. */
export const RECEIPT_VERSION = 1
/** Prefixed to the canonical bytes before hashing, so the digest is unique to receipts. */
export const RECEIPT_DOMAIN = utf8('haca/inference-receipt/v1\n')

/** How an answer was produced: plain, inside an attested enclave, or with a ZKML proof. */
export type InferenceMode = 'vanilla' | 'tee' | 'zkml'
export const INFERENCE_MODES: readonly InferenceMode[] = ['vanilla', 'tee', 'zkml']

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

export class InvalidReceiptError extends BaseError {
  override name = 'InvalidReceiptError' as const
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`invalid receipt: ${reason}`, { code: 'invalid_receipt', cause })
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

function asBytes(item: unknown, what: string): Uint8Array {
  if (!(item instanceof Uint8Array)) throw new InvalidReceiptError({ reason: `${what} is not a byte string` })
  return item
}

function asInteger(item: unknown, what: string): bigint {
  const b = asBytes(item, what)
  // Canonical RLP integers have no leading zero byte; refusing them keeps one encoding per receipt.
  if (b.length > 0 && b[0] === 0) throw new InvalidReceiptError({ reason: `${what} has a leading zero byte` })
  return bytesToBigint(b)
}

function fixed(item: unknown, what: string, length: number): Uint8Array {
  const b = asBytes(item, what)
  if (b.length !== length) throw new InvalidReceiptError({ reason: `${what} is ${b.length} bytes, expected ${length}` })
  return b
}

// ignoreBOM: a swallowed byte-order mark would let two byte strings decode to one signed receipt.
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

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
  let items: unknown
  try {
    items = decodeRlp(bytes)
  } catch (err) {
    throw new InvalidReceiptError({ reason: `not RLP (${(err as Error).message})`, cause: err })
  }
  if (!Array.isArray(items) || items.length !== 10) throw new InvalidReceiptError({ reason: 'expected a list of 10 items' })
  const version = asInteger(items[0], 'version')
  const timestamp = asInteger(items[8], 'timestamp')
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidReceiptError({ reason: 'timestamp out of range' })
  let model: string
  let mode: string
  try {
    model = textDecoder.decode(asBytes(items[3], 'model'))
    mode = textDecoder.decode(asBytes(items[4], 'mode'))
  } catch (err) {
    if (err instanceof InvalidReceiptError) throw err
    throw new InvalidReceiptError({ reason: 'model or mode is not UTF-8', cause: err })
  }
  const fields: ReceiptFields = {
    version: Number(version),
    id: fixed(items[1], 'id', 32),
    node: fixed(items[2], 'node', 20),
    model,
    mode: mode as InferenceMode,
    requestHash: fixed(items[5], 'requestHash', 32),
    responseHash: fixed(items[6], 'responseHash', 32),
    price: asInteger(items[7], 'price'),
    timestamp: Number(timestamp),
    signature: fixed(items[9], 'signature', 65),
  }
  checkFields(fields)
  return fields
}

/** Parses the wire form; throws {@link InvalidReceiptError} on anything malformed. Does not check the signature. */
export function decodeReceipt(bytes: Uint8Array): Receipt {
  const f = decodeReceiptFields(bytes)
  return { ...f, id: toHex(f.id), node: toHex(f.node), requestHash: toHex(f.requestHash), responseHash: toHex(f.responseHash), signature: toHex(f.signature) }
}

/** Hex of the wire form, as sent in the `x-haca-receipt` header. */
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
