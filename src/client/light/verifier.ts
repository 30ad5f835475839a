/**
 * Light-block verification as in CometBFT v0.38's light/verifier.go: pure functions over a
 * trusted signed header and validator set and an untrusted one. Fetching, bisection and the
 * trusted store live elsewhere, so a test can hand these any header, honest or not.
 */
import { equalBytes, toHex } from '../../core/bytes.ts'
import { blockIdEquals, verifyCommitLight, verifyCommitLightTrusting } from './commit.ts'
import { type Ed25519Verify, ed25519Verify } from './ed25519.ts'
import { headerHash, validatorSetHash } from './encoding.ts'
import { ErrInvalidHeader, ErrInvalidTrustLevel, ErrNewValSetCantBeTrusted, ErrNotEnoughVotingPowerSigned, ErrOldHeaderExpired } from './errors.ts'
import { BlockIdFlag, DEFAULT_TRUST_LEVEL, timestampNanos, type Fraction, type Header, type SignedHeader, type ValidatorSet } from './types.ts'

/** version.BlockProtocol of CometBFT v0.38. */
export const BLOCK_PROTOCOL = 11n
const MAX_CHAIN_ID_LENGTH = 50
const HASH_SIZE = 32
const ADDRESS_SIZE = 20
const MS = 1_000_000n

export type VerifyOptions = {
  /** How long a trusted header stays trusted (should be well under the unbonding period). */
  trustingPeriodMs: number
  /** The verifier's clock, in Unix milliseconds. */
  nowMs: number
  /** How far ahead of `nowMs` a header's time may be. */
  maxClockDriftMs: number
  /** For non-adjacent (skipping) verification; 1/3 unless given, within [1/3, 1]. */
  trustLevel?: Fraction
  verifyEd25519?: Ed25519Verify
}

/** light.ValidateTrustLevel: within [1/3, 1]. */
export function validateTrustLevel(level: Fraction): void {
  if (level.denominator === 0n || level.numerator * 3n < level.denominator || level.numerator > level.denominator) throw new ErrInvalidTrustLevel(level)
}

/** light.HeaderExpired: the header's time plus the trusting period is not after now. */
export function headerExpired(header: Header, trustingPeriodMs: number, nowMs: number): boolean {
  return !(timestampNanos(header.time) + BigInt(trustingPeriodMs) * MS > BigInt(nowMs) * MS)
}

function checkHash(name: string, value: Uint8Array): void {
  if (value.length !== 0 && value.length !== HASH_SIZE) throw new Error(`wrong ${name}: expected ${HASH_SIZE} bytes, got ${value.length}`)
}

/** SignedHeader.ValidateBasic: the header and commit are well formed, of `chainId`, and the commit signs this header. */
export function validateSignedHeader(sh: SignedHeader, chainId: string): void {
  try {
    checkSignedHeader(sh, chainId)
  } catch (err) {
    throw invalidHeader(err)
  }
}

// Header.ValidateBasic and Commit.ValidateBasic, then the ties between them; plain errors, which
// the exported checks wrap in ErrInvalidHeader.
function checkSignedHeader(sh: SignedHeader, chainId: string): void {
  const { header: h, commit: c } = sh
  if (h.version.block !== BLOCK_PROTOCOL) throw new Error(`block protocol is incorrect: got ${h.version.block}, want ${BLOCK_PROTOCOL}`)
  if (h.chainId.length > MAX_CHAIN_ID_LENGTH) throw new Error(`chain id is too long: ${h.chainId.length} characters, at most ${MAX_CHAIN_ID_LENGTH}`)
  if (h.height <= 0n) throw new Error(`header height ${h.height} is not positive`)
  checkHash('last block id hash', h.lastBlockId.hash)
  checkHash('last block id part set hash', h.lastBlockId.partSetHeader.hash)
  for (const [name, value] of [
    ['last commit hash', h.lastCommitHash],
    ['data hash', h.dataHash],
    ['evidence hash', h.evidenceHash],
    ['validators hash', h.validatorsHash],
    ['next validators hash', h.nextValidatorsHash],
    ['consensus hash', h.consensusHash],
    ['last results hash', h.lastResultsHash],
  ] as const) checkHash(name, value)
  if (h.proposerAddress.length !== ADDRESS_SIZE) throw new Error(`invalid proposer address: expected ${ADDRESS_SIZE} bytes, got ${h.proposerAddress.length}`)
  if (h.chainId !== chainId) throw new Error(`header belongs to another chain ${JSON.stringify(h.chainId)}, not ${JSON.stringify(chainId)}`)

  if (c.round < 0) throw new Error('negative commit round')
  if (c.blockId.hash.length === 0) throw new Error('commit cannot be for nil block')
  if (c.signatures.length === 0) throw new Error('no signatures in commit')
  for (const [i, sig] of c.signatures.entries()) {
    if (sig.blockIdFlag === BlockIdFlag.Absent) {
      if (sig.validatorAddress.length || sig.signature.length) throw new Error(`commit signature #${i}: an absent vote carries an address or signature`)
      continue
    }
    if (sig.blockIdFlag !== BlockIdFlag.Commit && sig.blockIdFlag !== BlockIdFlag.Nil) throw new Error(`commit signature #${i}: unknown block id flag ${String(sig.blockIdFlag)}`)
    if (sig.validatorAddress.length !== ADDRESS_SIZE) throw new Error(`commit signature #${i}: validator address of ${sig.validatorAddress.length} bytes`)
    if (sig.signature.length === 0 || sig.signature.length > 64) throw new Error(`commit signature #${i}: signature of ${sig.signature.length} bytes`)
  }
  if (c.height !== h.height) throw new Error(`header and commit height mismatch: ${h.height} vs ${c.height}`)
  const hash = headerHash(h)
  if (!equalBytes(c.blockId.hash, hash)) throw new Error(`commit signs block ${toHex(c.blockId.hash)}, header is block ${toHex(hash)}`)
}

function verifyNewHeaderAndVals(untrusted: SignedHeader, untrustedVals: ValidatorSet, trusted: SignedHeader, nowMs: number, maxClockDriftMs: number): void {
  checkSignedHeader(untrusted, trusted.header.chainId)
  if (untrusted.header.height <= trusted.header.height) throw new Error(`expected new header height ${untrusted.header.height} to be greater than the old header's ${trusted.header.height}`)
  const newTime = timestampNanos(untrusted.header.time)
  if (!(newTime > timestampNanos(trusted.header.time))) throw new Error('expected the new header time to be after the old header time')
  if (!(newTime < (BigInt(nowMs) + BigInt(maxClockDriftMs)) * MS)) throw new Error(`new header has a time from the future (now ${new Date(nowMs).toISOString()}, max clock drift ${maxClockDriftMs} ms)`)
  const valsHash = validatorSetHash(untrustedVals)
  if (!equalBytes(untrusted.header.validatorsHash, valsHash)) {
    throw new Error(`expected new header validators (${toHex(untrusted.header.validatorsHash)}) to match those that were supplied (${toHex(valsHash)}) at height ${untrusted.header.height}`)
  }
}

function invalidHeader(err: unknown): ErrInvalidHeader {
  return new ErrInvalidHeader({ reason: err instanceof Error ? ((err as { shortMessage?: string }).shortMessage ?? err.message) : String(err), cause: err })
}

function checkNotExpired(trusted: SignedHeader, o: VerifyOptions): void {
  if (headerExpired(trusted.header, o.trustingPeriodMs, o.nowMs)) {
    throw new ErrOldHeaderExpired({ expiredAtNanos: timestampNanos(trusted.header.time) + BigInt(o.trustingPeriodMs) * MS, nowNanos: BigInt(o.nowMs) * MS })
  }
}

/** light.VerifyAdjacent: `untrusted` is the block right after `trusted`, signed by +2/3 of the set `trusted` named as next. */
export function verifyAdjacent(trusted: SignedHeader, untrusted: SignedHeader, untrustedVals: ValidatorSet, o: VerifyOptions): void {
  if (untrusted.header.height !== trusted.header.height + 1n) throw new ErrInvalidHeader({ reason: 'headers must be adjacent in height' })
  checkNotExpired(trusted, o)
  try {
    verifyNewHeaderAndVals(untrusted, untrustedVals, trusted, o.nowMs, o.maxClockDriftMs)
  } catch (err) {
    throw invalidHeader(err)
  }
  if (!equalBytes(untrusted.header.validatorsHash, trusted.header.nextValidatorsHash)) {
    throw new ErrInvalidHeader({ reason: `expected old header next validators (${toHex(trusted.header.nextValidatorsHash)}) to match those from new header (${toHex(untrusted.header.validatorsHash)})` })
  }
  try {
    verifyCommitLight(trusted.header.chainId, untrustedVals, untrusted.commit.blockId, untrusted.header.height, untrusted.commit, o.verifyEd25519 ?? ed25519Verify)
  } catch (err) {
    throw invalidHeader(err)
  }
}

/**
 * light.VerifyNonAdjacent (skipping): more than the trust level of the trusted set signed the
 * new header, and +2/3 of the new set did. Too little trusted power is ErrNewValSetCantBeTrusted
 * (the caller should bisect); anything else wrong is ErrInvalidHeader.
 */
export function verifyNonAdjacent(trusted: SignedHeader, trustedVals: ValidatorSet, untrusted: SignedHeader, untrustedVals: ValidatorSet, o: VerifyOptions): void {
  if (untrusted.header.height === trusted.header.height + 1n) throw new ErrInvalidHeader({ reason: 'headers must be non adjacent in height' })
  const trustLevel = o.trustLevel ?? DEFAULT_TRUST_LEVEL
  validateTrustLevel(trustLevel)
  checkNotExpired(trusted, o)
  const verify = o.verifyEd25519 ?? ed25519Verify
  try {
    verifyNewHeaderAndVals(untrusted, untrustedVals, trusted, o.nowMs, o.maxClockDriftMs)
  } catch (err) {
    throw invalidHeader(err)
  }
  try {
    verifyCommitLightTrusting(trusted.header.chainId, trustedVals, untrusted.commit, trustLevel, verify)
  } catch (err) {
    if (err instanceof ErrNotEnoughVotingPowerSigned) throw new ErrNewValSetCantBeTrusted({ cause: err })
    throw invalidHeader(err)
  }
  try {
    verifyCommitLight(trusted.header.chainId, untrustedVals, untrusted.commit.blockId, untrusted.header.height, untrusted.commit, verify)
  } catch (err) {
    throw invalidHeader(err)
  }
}

/** light.Verify: adjacent or skipping, by the heights. */
export function verify(trusted: SignedHeader, trustedVals: ValidatorSet, untrusted: SignedHeader, untrustedVals: ValidatorSet, o: VerifyOptions): void {
  if (untrusted.header.height !== trusted.header.height + 1n) verifyNonAdjacent(trusted, trustedVals, untrusted, untrustedVals, o)
  else verifyAdjacent(trusted, untrusted, untrustedVals, o)
}

export { blockIdEquals }
