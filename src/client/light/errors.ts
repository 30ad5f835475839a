/**
 * The light client's errors, named for the condition as in CometBFT's light/errors.go and
 * types/errors.go, so a caller can tell an expired trust from a forged header.
 */
import { BaseError } from '../../core/errors.ts'

/** The trusted header is older than the trusting period: re-establish trust out of band. */
export class ErrOldHeaderExpired extends BaseError {
  override name = 'ErrOldHeaderExpired' as const
  constructor({ expiredAtNanos, nowNanos }: { expiredAtNanos: bigint; nowNanos: bigint }) {
    super(`the trusted header expired at ${isoOfNanos(expiredAtNanos)} (now ${isoOfNanos(nowNanos)})`, {
      code: 'light_old_header_expired',
      hint: 'start again from a trusted height and header hash that is within the trusting period',
    })
  }
}

/** The new header or its commit is invalid (the cause says which check failed). */
export class ErrInvalidHeader extends BaseError {
  override name = 'ErrInvalidHeader' as const
  constructor({ reason, cause }: { reason: string; cause?: unknown }) {
    super(`invalid header: ${reason}`, { code: 'light_invalid_header', cause })
  }
}

/** Not enough of the trusted validators signed the new header for its validator set to be trusted (skip less far). */
export class ErrNewValSetCantBeTrusted extends BaseError {
  override name = 'ErrNewValSetCantBeTrusted' as const
  constructor({ cause }: { cause: ErrNotEnoughVotingPowerSigned }) {
    super(`the new validator set cannot be trusted: ${cause.shortMessage}`, { code: 'light_new_valset_cant_be_trusted', cause })
  }
}

/** The commit's valid signatures carry too little voting power. */
export class ErrNotEnoughVotingPowerSigned extends BaseError {
  override name = 'ErrNotEnoughVotingPowerSigned' as const
  readonly got: bigint
  readonly needed: bigint
  constructor({ got, needed }: { got: bigint; needed: bigint }) {
    super(`invalid commit: voting power signed ${got}, more than ${needed} needed`, { code: 'light_not_enough_voting_power' })
    this.got = got
    this.needed = needed
  }
}

/** A commit signature does not verify under its validator's key. */
export class ErrInvalidCommitSignature extends BaseError {
  override name = 'ErrInvalidCommitSignature' as const
  readonly index: number
  constructor({ index, address }: { index: number; address: string }) {
    super(`wrong signature (#${index}) from validator ${address}`, { code: 'light_invalid_commit_signature' })
    this.index = index
  }
}

/** The commit does not fit the block or the validator set it is checked against. */
export class ErrInvalidCommit extends BaseError {
  override name = 'ErrInvalidCommit' as const
  constructor({ reason }: { reason: string }) {
    super(`invalid commit: ${reason}`, { code: 'light_invalid_commit' })
  }
}

/** The caller's trust level is outside [1/3, 1]. */
export class ErrInvalidTrustLevel extends BaseError {
  override name = 'ErrInvalidTrustLevel' as const
  constructor({ numerator, denominator }: { numerator: bigint; denominator: bigint }) {
    super(`trust level must be within [1/3, 1], given ${numerator}/${denominator}`, { code: 'light_invalid_trust_level' })
  }
}

/** A light block from an RPC could not be read (malformed JSON, missing fields, a height it does not have). */
export class ErrBadLightBlock extends BaseError {
  override name = 'ErrBadLightBlock' as const
  constructor({ url, reason, cause }: { url: string; reason: string; cause?: unknown }) {
    super(`light block from ${url}: ${reason}`, { code: 'light_bad_light_block', cause })
  }
}

/** The light client's trust root (or the latest block it trusts) is older than the trusting period. */
export class ErrTrustExpired extends BaseError {
  override name = 'ErrTrustExpired' as const
  constructor({ height, expiredAtNanos, nowNanos }: { height: bigint; expiredAtNanos: bigint; nowNanos: bigint }) {
    super(`the trusted block at height ${height} expired at ${isoOfNanos(expiredAtNanos)} (now ${isoOfNanos(nowNanos)}): re-anchor with a new trusted height and header hash from a source you trust`, {
      code: 'light_trust_expired',
      hint: 're-anchor: create the light client again with a recent trusted height and header hash, taken from a source you trust (your own node, or a party you trust), and a fresh store',
    })
  }
}

/** The trust root the user gave does not match the header the provider has at that height. */
export class ErrTrustRootMismatch extends BaseError {
  override name = 'ErrTrustRootMismatch' as const
  constructor({ height, expected, got }: { height: bigint; expected: string; got: string }) {
    super(`the header at the trusted height ${height} has hash ${got}, not the trusted ${expected}`, {
      code: 'light_trust_root_mismatch',
      hint: 'check the trusted hash against a source you trust: the provider may be on another chain or lying',
    })
  }
}

/** Verifying a height below the lowest trusted block needs backwards verification, which this client does not do yet. */
export class ErrHeightBelowTrust extends BaseError {
  override name = 'ErrHeightBelowTrust' as const
  constructor({ height, lowest }: { height: bigint; lowest: bigint }) {
    super(`height ${height} is below the lowest trusted height ${lowest}; backwards verification is not supported yet`, {
      code: 'light_height_below_trust',
      hint: 'start the light client from a trust root at or below that height',
    })
  }
}

function isoOfNanos(nanos: bigint): string {
  const ms = nanos / 1_000_000n
  return new Date(Number(ms)).toISOString()
}
