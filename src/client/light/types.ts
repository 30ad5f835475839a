/**
 * CometBFT v0.38 light-client data, typed as in `types/block.go` and `types/validator_set.go`.
 * Times keep CometBFT's exact seconds and nanoseconds: Header.Hash and the vote sign bytes
 * encode both, and a JavaScript Date would lose the nanoseconds.
 */

/** google.protobuf.Timestamp: seconds since the Unix epoch and 0..999_999_999 nanoseconds. */
export type Timestamp = { seconds: bigint; nanos: number }

export type PartSetHeader = { total: number; hash: Uint8Array }

export type BlockId = { hash: Uint8Array; partSetHeader: PartSetHeader }

export type Header = {
  version: { block: bigint; app: bigint }
  chainId: string
  height: bigint
  time: Timestamp
  lastBlockId: BlockId
  lastCommitHash: Uint8Array
  dataHash: Uint8Array
  validatorsHash: Uint8Array
  nextValidatorsHash: Uint8Array
  consensusHash: Uint8Array
  appHash: Uint8Array
  lastResultsHash: Uint8Array
  evidenceHash: Uint8Array
  proposerAddress: Uint8Array
}

/** types.BlockIDFlag: whether a validator's commit signature is absent, for the block, or for nil. */
export const BlockIdFlag = { Absent: 1, Commit: 2, Nil: 3 } as const
export type BlockIdFlag = (typeof BlockIdFlag)[keyof typeof BlockIdFlag]

export type CommitSig = {
  blockIdFlag: BlockIdFlag
  validatorAddress: Uint8Array
  timestamp: Timestamp
  signature: Uint8Array
}

export type Commit = { height: bigint; round: number; blockId: BlockId; signatures: CommitSig[] }

export type SignedHeader = { header: Header; commit: Commit }

export type Validator = { address: Uint8Array; pubKey: Uint8Array; votingPower: bigint }

/** In the set's own order (voting power descending, then address): commit signatures follow it. */
export type ValidatorSet = { validators: Validator[] }

export type LightBlock = { signedHeader: SignedHeader; validatorSet: ValidatorSet }

/** cmtmath.Fraction: trust levels stay integers, so no rounding decides a verification. */
export type Fraction = { numerator: bigint; denominator: bigint }

/** The light client's default trust level (light.DefaultTrustLevel). */
export const DEFAULT_TRUST_LEVEL: Fraction = { numerator: 1n, denominator: 3n }

/** Vote types (cmtproto.SignedMsgType): commits carry precommits. */
export const PRECOMMIT_TYPE = 2

export function timestampNanos(t: Timestamp): bigint {
  return t.seconds * 1_000_000_000n + BigInt(t.nanos)
}

export function totalVotingPower(vals: ValidatorSet): bigint {
  return vals.validators.reduce((sum, v) => sum + v.votingPower, 0n)
}
