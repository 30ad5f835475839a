/**
 * Commit checks of types/validator_set.go (v0.38): VerifyCommitLight (+2/3 of this set signed
 * this block) and VerifyCommitLightTrusting (more than a trust level of an older, trusted set
 * signed). Only signatures for the block count; like CometBFT, checking stops once enough
 * power has signed, so every signature up to that point is verified.
 */
import { equalBytes, toHex } from '../../core/bytes.ts'
import { voteSignBytes } from './encoding.ts'
import { ed25519Verify, type Ed25519Verify } from './ed25519.ts'
import { ErrInvalidCommit, ErrInvalidCommitSignature, ErrInvalidTrustLevel, ErrNotEnoughVotingPowerSigned } from './errors.ts'
import { BlockIdFlag, DEFAULT_TRUST_LEVEL, totalVotingPower, type BlockId, type Commit, type CommitSig, type Fraction, type Validator, type ValidatorSet } from './types.ts'

export function blockIdEquals(a: BlockId, b: BlockId): boolean {
  return equalBytes(a.hash, b.hash) && a.partSetHeader.total === b.partSetHeader.total && equalBytes(a.partSetHeader.hash, b.partSetHeader.hash)
}

function signatureVerifies(chainId: string, commit: Commit, sig: CommitSig, val: Validator, verify: Ed25519Verify): boolean {
  const signBytes = voteSignBytes(chainId, { height: commit.height, round: commit.round, blockId: commit.blockId, timestamp: sig.timestamp })
  return verify(val.pubKey, signBytes, sig.signature)
}

/** VerifyCommitLight: the commit is for `blockId` at `height`, and more than 2/3 of `vals`' power signed it. */
export function verifyCommitLight(chainId: string, vals: ValidatorSet, blockId: BlockId, height: bigint, commit: Commit, verify: Ed25519Verify = ed25519Verify): void {
  if (vals.validators.length !== commit.signatures.length) {
    throw new ErrInvalidCommit({ reason: `${commit.signatures.length} signatures for a set of ${vals.validators.length} validators` })
  }
  if (height !== commit.height) throw new ErrInvalidCommit({ reason: `commit height ${commit.height}, expected ${height}` })
  if (!blockIdEquals(blockId, commit.blockId)) throw new ErrInvalidCommit({ reason: `the commit signs block ${toHex(commit.blockId.hash)}, expected ${toHex(blockId.hash)}` })
  const needed = (totalVotingPower(vals) * 2n) / 3n
  let tallied = 0n
  for (const [index, sig] of commit.signatures.entries()) {
    if (sig.blockIdFlag !== BlockIdFlag.Commit) continue
    // Signatures follow the set's order, so the validator is the one at the same index.
    const val = vals.validators[index]!
    if (!signatureVerifies(chainId, commit, sig, val, verify)) throw new ErrInvalidCommitSignature({ index, address: toHex(val.address) })
    tallied += val.votingPower
    if (tallied > needed) return
  }
  throw new ErrNotEnoughVotingPowerSigned({ got: tallied, needed })
}

/**
 * VerifyCommitLightTrusting: more than `trustLevel` of `trustedVals`' power signed `commit`.
 * The commit is from a later height, so validators are found by address; those not in the
 * trusted set are skipped, and one that appears twice is refused rather than counted twice.
 */
export function verifyCommitLightTrusting(chainId: string, trustedVals: ValidatorSet, commit: Commit, trustLevel: Fraction = DEFAULT_TRUST_LEVEL, verify: Ed25519Verify = ed25519Verify): void {
  if (trustLevel.denominator === 0n) throw new ErrInvalidTrustLevel(trustLevel)
  const needed = (totalVotingPower(trustedVals) * trustLevel.numerator) / trustLevel.denominator
  const byAddress = new Map(trustedVals.validators.map((v) => [toHex(v.address), v]))
  const seen = new Set<string>()
  let tallied = 0n
  for (const [index, sig] of commit.signatures.entries()) {
    if (sig.blockIdFlag !== BlockIdFlag.Commit) continue
    const address = toHex(sig.validatorAddress)
    const val = byAddress.get(address)
    if (!val) continue
    if (seen.has(address)) throw new ErrInvalidCommit({ reason: `double vote from validator ${address} (#${index})` })
    seen.add(address)
    if (!signatureVerifies(chainId, commit, sig, val, verify)) throw new ErrInvalidCommitSignature({ index, address })
    tallied += val.votingPower
    if (tallied > needed) return
  }
  throw new ErrNotEnoughVotingPowerSigned({ got: tallied, needed })
}
