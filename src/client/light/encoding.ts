/**
 * The byte encodings a light client hashes and checks signatures over, as CometBFT v0.38 builds
 * them: Header.Hash (types/block.go), ValidatorSet.Hash (types/validator_set.go) and
 * VoteSignBytes (types/vote.go, over the CanonicalVote of types/canonical.go).
 */
import { BinaryWriter } from 'cosmjs-types/binary'
import { Timestamp as TimestampProto } from 'cosmjs-types/google/protobuf/timestamp'
import { PublicKey } from 'cosmjs-types/tendermint/crypto/keys'
import { BlockID } from 'cosmjs-types/tendermint/types/types'
import { SimpleValidator } from 'cosmjs-types/tendermint/types/validator'
import { Consensus } from 'cosmjs-types/tendermint/version/types'
import { hashFromByteSlices } from './merkle.ts'
import { PRECOMMIT_TYPE, type BlockId, type Header, type Timestamp, type ValidatorSet } from './types.ts'

function timestampBytes(t: Timestamp): Uint8Array {
  return TimestampProto.encode({ seconds: t.seconds, nanos: t.nanos }).finish()
}

function blockIdBytes(id: BlockId): Uint8Array {
  return BlockID.encode({ hash: id.hash, partSetHeader: { total: id.partSetHeader.total, hash: id.partSetHeader.hash } }).finish()
}

// cdcEncode: the gogo wrapper types (StringValue, Int64Value, BytesValue) hold their value in
// field 1, and an empty value encodes to no bytes at all.
function wrappedString(value: string): Uint8Array {
  return value === '' ? new Uint8Array(0) : new BinaryWriter().uint32(10).string(value).finish()
}

function wrappedInt64(value: bigint): Uint8Array {
  return value === 0n ? new Uint8Array(0) : new BinaryWriter().uint32(8).int64(value).finish()
}

function wrappedBytes(value: Uint8Array): Uint8Array {
  return value.length === 0 ? new Uint8Array(0) : new BinaryWriter().uint32(10).bytes(value).finish()
}

/** Header.Hash: the Merkle root over the 14 fields' encodings, in the header's field order. */
export function headerHash(h: Header): Uint8Array {
  return hashFromByteSlices([
    Consensus.encode({ block: h.version.block, app: h.version.app }).finish(),
    wrappedString(h.chainId),
    wrappedInt64(h.height),
    timestampBytes(h.time),
    blockIdBytes(h.lastBlockId),
    wrappedBytes(h.lastCommitHash),
    wrappedBytes(h.dataHash),
    wrappedBytes(h.validatorsHash),
    wrappedBytes(h.nextValidatorsHash),
    wrappedBytes(h.consensusHash),
    wrappedBytes(h.appHash),
    wrappedBytes(h.lastResultsHash),
    wrappedBytes(h.evidenceHash),
    wrappedBytes(h.proposerAddress),
  ])
}

/** ValidatorSet.Hash: the Merkle root over each validator's SimpleValidator (public key and power). */
export function validatorSetHash(vals: ValidatorSet): Uint8Array {
  return hashFromByteSlices(vals.validators.map((v) => SimpleValidator.encode({ pubKey: PublicKey.fromPartial({ ed25519: v.pubKey }), votingPower: v.votingPower }).finish()))
}

export type VoteForSigning = { type?: number; height: bigint; round: number; blockId: BlockId | null; timestamp: Timestamp }

function isZeroBlockId(id: BlockId): boolean {
  return id.hash.length === 0 && id.partSetHeader.total === 0 && id.partSetHeader.hash.length === 0
}

/**
 * VoteSignBytes: the length-delimited CanonicalVote. cosmjs-types has no CanonicalVote, so its
 * fields are written here: 1 type, 2 height (sfixed64), 3 round (sfixed64), 4 CanonicalBlockID
 * (left out for a nil vote), 5 timestamp (always written), 6 chain id. Zero scalars are left out,
 * as proto3 does.
 */
export function voteSignBytes(chainId: string, vote: VoteForSigning): Uint8Array {
  const w = new BinaryWriter()
  const type = vote.type ?? PRECOMMIT_TYPE
  if (type !== 0) w.uint32(8).int32(type)
  if (vote.height !== 0n) w.uint32(17).sfixed64(vote.height)
  if (vote.round !== 0) w.uint32(25).sfixed64(BigInt(vote.round))
  if (vote.blockId && !isZeroBlockId(vote.blockId)) {
    // CanonicalBlockID: 1 hash, 2 CanonicalPartSetHeader (1 total, 2 hash), the latter always written.
    w.uint32(34).fork()
    if (vote.blockId.hash.length) w.uint32(10).bytes(vote.blockId.hash)
    w.uint32(18).fork()
    if (vote.blockId.partSetHeader.total !== 0) w.uint32(8).uint32(vote.blockId.partSetHeader.total)
    if (vote.blockId.partSetHeader.hash.length) w.uint32(18).bytes(vote.blockId.partSetHeader.hash)
    w.ldelim()
    w.ldelim()
  }
  w.uint32(42).bytes(timestampBytes(vote.timestamp))
  if (chainId !== '') w.uint32(50).string(chainId)
  const body = w.finish()
  return new BinaryWriter().bytes(body).finish()
}
