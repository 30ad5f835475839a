/**
 * The transaction format, version 1. One encoding per transaction:
 *
 *   tx = RLP([version, chainId, nonce, fee, type, body, signature])
 *
 * `body` is the message's own RLP list, `signature` is 65 bytes (r ‖ s ‖ v, low s) by the
 * sender's secp256k1 key over keccak256(DOMAIN ‖ RLP([version, chainId, nonce, fee, type, body])).
 * The sender's address is recovered from the signature, so it is not sent. Decoding re-encodes
 * and compares, so any second encoding of the same transaction (non-minimal lengths or
 * integers) is refused, and the transaction hash (sha256 of the bytes, as CometBFT computes it)
 * names exactly one transaction.
 */
import { RLP } from '@ethereumjs/rlp'
import { bigintToBytes, concatBytes, equalBytes, utf8 } from '../../core/bytes.ts'
import { keccak256, sha256 } from '../../core/hash.ts'
import { type Address, addressOf, recoverAddress, signDigest } from '../../core/keys.ts'
import { ErrBadSignature, ErrMalformedTx, ErrUnsupportedVersion } from './errors.ts'
import { type RlpItem, readBytes, readList, readSmallUint, readString, readUint } from './fields.ts'

export const TX_VERSION = 1
const DOMAIN = utf8('haca/tx/v1\n')
export const MAX_CHAIN_ID_BYTES = 64

export type UnsignedTx = {
  chainId: string
  nonce: bigint
  fee: bigint
  type: number
  body: RlpItem[]
}

export type SignedTx = UnsignedTx & { signature: Uint8Array }

export type DecodedTx = SignedTx & {
  bytes: Uint8Array
  /** sha256 of the bytes, as CometBFT names transactions. */
  hash: Uint8Array
  sender: Address
}

function unsignedFields(tx: UnsignedTx): RlpItem[] {
  return [bigintToBytes(BigInt(TX_VERSION)), utf8(tx.chainId), bigintToBytes(tx.nonce), bigintToBytes(tx.fee), bigintToBytes(BigInt(tx.type)), tx.body]
}

export function signingDigest(tx: UnsignedTx): Uint8Array {
  return keccak256(concatBytes(DOMAIN, RLP.encode(unsignedFields(tx))))
}

export function encodeTx(tx: SignedTx): Uint8Array {
  return RLP.encode([...unsignedFields(tx), tx.signature])
}

export function signTx(tx: UnsignedTx, privateKey: Uint8Array): { bytes: Uint8Array; hash: Uint8Array; sender: Address } {
  const signature = signDigest(signingDigest(tx), privateKey)
  const bytes = encodeTx({ ...tx, signature })
  return { bytes, hash: sha256(bytes), sender: addressOf(privateKey) }
}

/** Decodes without checking the signature (see `recoverSender`). Throws ledger errors. */
export function decodeTx(bytes: Uint8Array): SignedTx {
  let decoded: RlpItem
  try {
    decoded = RLP.decode(bytes)
  } catch (err) {
    throw new ErrMalformedTx(`not a valid RLP transaction (${(err as Error).message})`)
  }
  const items = readList(decoded, 'transaction', 7)
  const version = readSmallUint(items[0], 'version')
  if (version !== TX_VERSION) throw new ErrUnsupportedVersion(`transaction version ${version} is not supported (this ledger speaks version ${TX_VERSION})`)
  const tx: SignedTx = {
    chainId: readString(items[1], 'chain id', MAX_CHAIN_ID_BYTES),
    nonce: readUint(items[2], 'nonce', 8),
    fee: readUint(items[3], 'fee'),
    type: readSmallUint(items[4], 'type'),
    body: readList(items[5], 'body'),
    signature: readBytes(items[6], 'signature', 65),
  }
  if (!equalBytes(encodeTx(tx), bytes)) throw new ErrMalformedTx('transaction is not in canonical encoding')
  return tx
}

export function recoverSender(tx: SignedTx): Address {
  const sender = recoverAddress(signingDigest(tx), tx.signature)
  if (!sender) throw new ErrBadSignature('signature does not verify (malformed, high-s, or not over this transaction)')
  return sender
}
