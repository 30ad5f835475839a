/**
 * Payment vouchers: a client's signed statement "on chain C, channel X has paid you a
 * cumulative total of N, this time for the request with hash H". Pure (no I/O, no clock), so
 * the ledger (settlement) and the inference node's fast path share it.
 *
 *   voucher  = RLP([chainId, channelId(32), cumulative, requestHash(32), signature(65)])
 *   digest   = sha256("haca/voucher/v1\n" ‖ RLP([chainId, channelId, cumulative, requestHash]))
 *
 * The signature is the channel client's secp256k1 key (r ‖ s ‖ v, low s). Decoding is strict:
 * a second encoding of the same voucher (non-minimal integers or lengths) is refused.
 */
import { RLP } from '@ethereumjs/rlp'
import { type Hex, bigintToBytes, concatBytes, equalBytes, fromHex, toHex, utf8 } from '../core/bytes.ts'
import { sha256 } from '../core/hash.ts'
import { type Address, recoverAddress, signDigest } from '../core/keys.ts'
import { type RlpItem, readBytes, readList, readString, readUint } from '../core/rlpFields.ts'
import { MAX_CHAIN_ID_BYTES } from './chain.ts'
import { ErrorCode } from './errorCodes.ts'
import { InvalidVoucherError, VoucherRefusedError } from './errors.ts'

const DOMAIN = utf8('haca/voucher/v1\n')

export type Voucher = {
  chainId: string
  channelId: Hex
  /** Everything paid on this channel so far, this request included. */
  cumulative: bigint
  /** `hashRequest(body)` of the request this voucher pays for. */
  requestHash: Hex
}

export type SignedVoucher = Voucher & { signature: Uint8Array }

function fields(v: Voucher): RlpItem[] {
  return [utf8(v.chainId), fromHex(v.channelId, 32), bigintToBytes(v.cumulative), fromHex(v.requestHash, 32)]
}

/** The 32-byte digest the client signs. */
export function voucherDigest(v: Voucher): Uint8Array {
  return sha256(concatBytes(DOMAIN, RLP.encode(fields(v))))
}

/**
 * Signs a voucher with the channel client's key.
 *
 * @example
 * const v = signVoucher({ chainId, channelId, cumulative: 30n, requestHash: hashRequest(body) }, clientKey)
 * headers['x-haca-voucher'] = voucherToHex(v)
 */
export function signVoucher(v: Voucher, privateKey: Uint8Array): SignedVoucher {
  return { ...v, signature: signDigest(voucherDigest(v), privateKey) }
}

export function encodeVoucher(v: SignedVoucher): Uint8Array {
  return RLP.encode([...fields(v), v.signature])
}

export function voucherToHex(v: SignedVoucher): Hex {
  return toHex(encodeVoucher(v))
}

/** Decodes a voucher (bytes or 0x hex) without checking its signature; throws InvalidVoucherError. */
export function decodeVoucher(input: Uint8Array | string): SignedVoucher {
  try {
    const bytes = typeof input === 'string' ? fromHex(input) : input
    const it = readList(RLP.decode(bytes), 'voucher', 5)
    const v: SignedVoucher = {
      chainId: readString(it[0], 'voucher.chainId', MAX_CHAIN_ID_BYTES),
      channelId: toHex(readBytes(it[1], 'voucher.channelId', 32)),
      cumulative: readUint(it[2], 'voucher.cumulative'),
      requestHash: toHex(readBytes(it[3], 'voucher.requestHash', 32)),
      signature: readBytes(it[4], 'voucher.signature', 65),
    }
    if (!equalBytes(encodeVoucher(v), bytes)) throw new InvalidVoucherError('voucher is not in canonical encoding')
    return v
  } catch (err) {
    if (err instanceof InvalidVoucherError) throw err
    throw new InvalidVoucherError(`malformed voucher: ${(err as Error).message}`)
  }
}

/** Recovers the voucher's signer; throws InvalidVoucherError for a malformed or high-s signature. */
export function verifyVoucher(v: SignedVoucher): Address {
  const signer = recoverAddress(voucherDigest(v), v.signature)
  if (!signer) throw new InvalidVoucherError('voucher signature does not verify (malformed or high-s)')
  return signer
}

/** What a voucher is checked against: the channel as the ledger (or the node's cache of it) knows it. */
export type ChannelTerms = { id: Hex; client: Address; node: Address; deposit: bigint; open: boolean }

export type CheckVoucherParameters = {
  chainId: string
  /** The node the voucher is presented to. */
  node: Address
  channel: ChannelTerms
  /** Smallest acceptable cumulative: last accepted (or settled) + price. */
  minCumulative: bigint
}

/**
 * Full check of a signed voucher against its channel: chain, channel, the node, the client's
 * signature, minCumulative ≤ cumulative ≤ deposit. The node's fast path and the ledger's
 * settlement apply this one rule, so a node accepts exactly what the ledger will pay. Returns
 * the signer; throws InvalidVoucherError or VoucherRefusedError (with the code of what is wrong).
 */
export function checkVoucher(v: SignedVoucher, p: CheckVoucherParameters): Address {
  if (v.chainId !== p.chainId) throw new InvalidVoucherError(`voucher is for chain "${v.chainId}", not "${p.chainId}"`)
  if (v.channelId !== p.channel.id) throw new InvalidVoucherError(`voucher is for channel ${v.channelId}, not ${p.channel.id}`)
  if (p.channel.node !== p.node) throw new VoucherRefusedError({ code: ErrorCode.notChannelNode, message: `channel ${p.channel.id} pays ${p.channel.node}, not ${p.node}` })
  if (!p.channel.open) throw new VoucherRefusedError({ code: ErrorCode.channelClosed, message: `channel ${p.channel.id} is closing or closed` })
  if (v.cumulative < p.minCumulative) throw new VoucherRefusedError({ code: ErrorCode.voucherReplay, message: `voucher cumulative ${v.cumulative} is below the ${p.minCumulative} required (replayed, or too small for the price)` })
  if (v.cumulative > p.channel.deposit) throw new VoucherRefusedError({ code: ErrorCode.voucherOverspend, message: `voucher cumulative ${v.cumulative} exceeds the channel's deposit of ${p.channel.deposit}` })
  const signer = verifyVoucher(v)
  if (signer !== p.channel.client) throw new InvalidVoucherError(`voucher is signed by ${signer}, not by the channel's client ${p.channel.client}`)
  return signer
}
