/**
 * The transaction format, version 1. One encoding per transaction:
 *
 *   tx = RLP([version, chainId, from, nonce, fee, type, body, signature])
 *
 * `body` is the message's own RLP list, `signature` is 65 bytes (r ‖ s ‖ v, low s) by the
 * sender's secp256k1 key over sha256(DOMAIN ‖ RLP([version, chainId, from, nonce, fee, type, body]))
 * (sha256, not keccak256: native in node:crypto, and this is haca's own format, not Ethereum's).
 * The address recovered from the signature must be `from`: a tampered signature is then
 * reported as such, not as some other account's missing funds.
 *
 * One encoding per transaction: the strict RLP decoder (src/core/rlp.ts) refuses non-minimal
 * lengths and prefixes and the field readers refuse integers with leading zeros, so a decoded
 * transaction re-encodes to exactly its bytes (the fuzz in envelope.test.ts checks this
 * against an encode-and-compare) and the transaction hash (sha256 of the bytes, as CometBFT
 * computes it) names exactly one transaction. Decoding is one pass with no copies: a
 * settlement batch of 1.5 MB is not re-encoded to be checked.
 */
import { bigintToBytes, fromHex, utf8 } from '../../core/bytes.ts'
import { decodeRlp, encodeRlp, encodeRlpHeader } from '../../core/rlp.ts'
import { sha256, sha256Parts } from '../../core/hash.ts'
import { type Address, addressOf, recoverAddress, signDigest } from '../../core/keys.ts'
import { ErrBadSignature, ErrMalformedTx, ErrUnsupportedVersion } from './errors.ts'
import { type RlpItem, readAddress, readBytes, readList, readSmallUint, readString, readUint } from './fields.ts'
import { MAX_CHAIN_ID_BYTES } from '../../protocol/chain.ts'

export const TX_VERSION = 1
const DOMAIN = utf8('haca/tx/v1\n')

export type UnsignedTx = {
  chainId: string
  from: Address
  nonce: bigint
  fee: bigint
  type: number
  body: RlpItem[]
}

export type SignedTx = UnsignedTx & { signature: Uint8Array }

export type DecodedTx = SignedTx & {
  bytes: Uint8Array
  /** `from`, checked against the signature. */
  sender: Address
  /** The message, decoded (and statelessly checked) by its module. */
  msg: unknown
}

function unsignedFields(tx: UnsignedTx): RlpItem[] {
  return [bigintToBytes(BigInt(TX_VERSION)), utf8(tx.chainId), fromHex(tx.from, 20), bigintToBytes(tx.nonce), bigintToBytes(tx.fee), bigintToBytes(BigInt(tx.type)), tx.body]
}

export function signingDigest(tx: UnsignedTx): Uint8Array {
  return sha256Parts(DOMAIN, encodeRlp(unsignedFields(tx)))
}

export function encodeTx(tx: SignedTx): Uint8Array {
  return encodeRlp([...unsignedFields(tx), tx.signature])
}

/**
 * Signs with `privateKey`; `from` is filled from the key. The fields are encoded once: the
 * signed list and the transaction share every byte but their list header and the signature.
 */
export function signTx(tx: Omit<UnsignedTx, 'from'>, privateKey: Uint8Array): { bytes: Uint8Array; hash: Uint8Array; sender: Address } {
  const full = { ...tx, from: addressOf(privateKey) }
  const unsigned = encodeRlp(unsignedFields(full))
  const signature = signDigest(sha256Parts(DOMAIN, unsigned), privateKey)
  const fields = unsigned.subarray(unsigned[0] <= 0xf7 ? 1 : 1 + (unsigned[0] - 0xf7))
  const sig = encodeRlp(signature)
  const header = encodeRlpHeader(0xc0, fields.length + sig.length)
  const bytes = new Uint8Array(header.length + fields.length + sig.length)
  bytes.set(header)
  bytes.set(fields, header.length)
  bytes.set(sig, header.length + fields.length)
  return { bytes, hash: sha256(bytes), sender: full.from }
}

/** Decodes without checking the signature (see `recoverSender`). Throws ledger errors. */
export function decodeTx(bytes: Uint8Array): SignedTx {
  let decoded: RlpItem
  try {
    decoded = decodeRlp(bytes)
  } catch (err) {
    throw new ErrMalformedTx(`not a valid RLP transaction (${(err as Error).message})`)
  }
  const items = readList(decoded, 'transaction', 8)
  const version = readSmallUint(items[0], 'version')
  if (version !== TX_VERSION) throw new ErrUnsupportedVersion(`transaction version ${version} is not supported (this ledger speaks version ${TX_VERSION})`)
  const tx: SignedTx = {
    chainId: readString(items[1], 'chain id', MAX_CHAIN_ID_BYTES),
    from: readAddress(items[2], 'from'),
    nonce: readUint(items[3], 'nonce', 8),
    fee: readUint(items[4], 'fee'),
    type: readSmallUint(items[5], 'type'),
    body: readList(items[6], 'body'),
    signature: readBytes(items[7], 'signature', 65),
  }
  return tx
}

/**
 * The signing digest from the transaction's own (canonical) bytes: the signed RLP list is the
 * same items without the trailing 65-byte signature (67 bytes with its RLP prefix), so only
 * its list header is rebuilt instead of re-encoding every field (the hot path of CheckTx).
 */
export function signingDigestOfBytes(bytes: Uint8Array): Uint8Array {
  const header = bytes[0] <= 0xf7 ? 1 : 1 + (bytes[0] - 0xf7)
  const payload = bytes.subarray(header, bytes.length - 67)
  return sha256Parts(DOMAIN, encodeRlpHeader(0xc0, payload.length), payload)
}

/** Checks the signature of a decoded transaction; `bytes`, when given, must be its canonical encoding (decodeTx checked it). */
export function recoverSender(tx: SignedTx, bytes?: Uint8Array): Address {
  const signer = recoverAddress(bytes ? signingDigestOfBytes(bytes) : signingDigest(tx), tx.signature)
  if (!signer) throw new ErrBadSignature('signature does not verify (malformed or high-s)')
  if (signer !== tx.from) throw new ErrBadSignature(`signature is not by ${tx.from}: the transaction or its signature was altered, or signed with another key`)
  return signer
}
