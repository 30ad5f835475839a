/**
 * Hand-made chains for the verifier's tests: Ed25519 validators generated on the spot, headers
 * whose hashes and commits are computed as CometBFT would, signed by whichever validators a
 * test picks (or forged, for the tests that must see a refusal).
 */
import crypto from 'node:crypto'
import { sha256 } from '../../core/hash.ts'
import { headerHash, validatorSetHash, voteSignBytes } from './encoding.ts'
import { BlockIdFlag, type BlockId, type CommitSig, type Header, type SignedHeader, type Timestamp, type Validator, type ValidatorSet } from './types.ts'
import { BLOCK_PROTOCOL } from './verifier.ts'

export type TestValidator = Validator & { privateKey: crypto.KeyObject }

export function testValidator(votingPower: bigint): TestValidator {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519')
  const pubKey = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }).subarray(-32))
  return { address: sha256(pubKey).subarray(0, 20), pubKey, votingPower, privateKey }
}

/** In CometBFT's order: voting power descending, then address ascending. */
export type TestValidatorSet = { validators: TestValidator[] }

export function testValidatorSet(vals: TestValidator[]): TestValidatorSet {
  const sorted = [...vals].sort((a, b) => (a.votingPower !== b.votingPower ? (a.votingPower > b.votingPower ? -1 : 1) : Buffer.compare(a.address, b.address)))
  return { validators: sorted }
}

export const T0_SECONDS = 1_700_000_000n

export function at(secondsAfterT0: number, nanos = 0): Timestamp {
  return { seconds: T0_SECONDS + BigInt(secondsAfterT0), nanos }
}

export function msOf(t: Timestamp): number {
  return Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6)
}

const filler = (byte: number): Uint8Array => new Uint8Array(32).fill(byte)

export type BlockSpec = {
  chainId: string
  height: bigint
  time: Timestamp
  vals: TestValidatorSet
  nextVals?: ValidatorSet
  /** Which of `vals` sign (all unless given). */
  signs?: (v: TestValidator, index: number) => boolean
  /** The chain id the signers put in their sign bytes (the header's unless given). */
  signChainId?: string
}

/** A signed header at `height` whose commit is signed, over the canonical vote, by the chosen validators. */
export function testSignedHeader(spec: BlockSpec): SignedHeader {
  const header: Header = {
    version: { block: BLOCK_PROTOCOL, app: 1n },
    chainId: spec.chainId,
    height: spec.height,
    time: spec.time,
    lastBlockId: { hash: filler(7), partSetHeader: { total: 1, hash: filler(8) } },
    lastCommitHash: filler(1),
    dataHash: filler(2),
    validatorsHash: validatorSetHash(spec.vals),
    nextValidatorsHash: validatorSetHash(spec.nextVals ?? spec.vals),
    consensusHash: filler(3),
    appHash: filler(4),
    lastResultsHash: filler(5),
    evidenceHash: filler(6),
    proposerAddress: spec.vals.validators[0]!.address,
  }
  const blockId: BlockId = { hash: headerHash(header), partSetHeader: { total: 1, hash: filler(9) } }
  const signatures = spec.vals.validators.map((v, i): CommitSig => {
    if (spec.signs && !spec.signs(v, i)) return { blockIdFlag: BlockIdFlag.Absent, validatorAddress: new Uint8Array(0), timestamp: { seconds: -62135596800n, nanos: 0 }, signature: new Uint8Array(0) }
    const timestamp = { seconds: spec.time.seconds + 1n, nanos: 123_456_789 }
    const signBytes = voteSignBytes(spec.signChainId ?? spec.chainId, { height: spec.height, round: 0, blockId, timestamp })
    return { blockIdFlag: BlockIdFlag.Commit, validatorAddress: v.address, timestamp, signature: new Uint8Array(crypto.sign(null, signBytes, v.privateKey)) }
  })
  return { header, commit: { height: spec.height, round: 0, blockId, signatures } }
}
