/**
 * CometBFT RPC JSON (v0.38's /commit and /validators answers) into the light client's typed
 * data: hashes and addresses are hex, keys and signatures base64, integers decimal strings,
 * times RFC 3339 with up to nine fractional digits (kept exactly, for Header.Hash).
 */
import { fromBase64Lenient, fromHex } from '../../core/bytes.ts'
import { BlockIdFlag, type BlockId, type Commit, type CommitSig, type Header, type SignedHeader, type Timestamp, type Validator } from './types.ts'

type Json = Record<string, unknown>

export class JsonShapeError extends Error {}

function field(obj: unknown, key: string): unknown {
  if (obj === null || typeof obj !== 'object' || !(key in obj)) throw new JsonShapeError(`missing field ${key}`)
  return (obj as Json)[key]
}

function str(obj: unknown, key: string): string {
  const v = field(obj, key)
  if (typeof v !== 'string') throw new JsonShapeError(`field ${key} is not a string`)
  return v
}

function int(obj: unknown, key: string): bigint {
  const v = field(obj, key)
  if ((typeof v !== 'string' && typeof v !== 'number') || !/^-?\d+$/.test(String(v))) throw new JsonShapeError(`field ${key} is not an integer`)
  return BigInt(v)
}

function hex(obj: unknown, key: string): Uint8Array {
  const v = field(obj, key)
  if (v === null || v === '') return new Uint8Array(0)
  if (typeof v !== 'string') throw new JsonShapeError(`field ${key} is not hex`)
  return fromHex(v)
}

function base64(obj: unknown, key: string): Uint8Array {
  const v = field(obj, key)
  if (v === null || v === '') return new Uint8Array(0)
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new JsonShapeError(`field ${key} is not base64`)
  return fromBase64Lenient(v) ?? new Uint8Array(0)
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/

/** An RFC 3339 UTC time with its exact nanoseconds (Date keeps only milliseconds). */
export function parseTimestamp(text: string): Timestamp {
  const m = RFC3339.exec(text)
  if (!m) throw new JsonShapeError(`time ${JSON.stringify(text)} is not an RFC 3339 UTC time`)
  const [, y, mo, d, h, mi, s, frac] = m
  const date = new Date(0)
  // setUTCFullYear, not Date.UTC: the latter reads years 0-99 as 1900-1999 (absent votes carry year 1).
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d))
  date.setUTCHours(Number(h), Number(mi), Number(s), 0)
  return { seconds: BigInt(date.getTime() / 1000), nanos: frac ? Number(frac.padEnd(9, '0')) : 0 }
}

function blockId(obj: unknown): BlockId {
  const parts = field(obj, 'parts')
  return { hash: hex(obj, 'hash'), partSetHeader: { total: Number(int(parts, 'total')), hash: hex(parts, 'hash') } }
}

export function parseHeader(h: unknown): Header {
  const version = field(h, 'version')
  return {
    version: { block: int(version, 'block'), app: (version as Json).app === undefined ? 0n : int(version, 'app') },
    chainId: str(h, 'chain_id'),
    height: int(h, 'height'),
    time: parseTimestamp(str(h, 'time')),
    lastBlockId: blockId(field(h, 'last_block_id')),
    lastCommitHash: hex(h, 'last_commit_hash'),
    dataHash: hex(h, 'data_hash'),
    validatorsHash: hex(h, 'validators_hash'),
    nextValidatorsHash: hex(h, 'next_validators_hash'),
    consensusHash: hex(h, 'consensus_hash'),
    appHash: hex(h, 'app_hash'),
    lastResultsHash: hex(h, 'last_results_hash'),
    evidenceHash: hex(h, 'evidence_hash'),
    proposerAddress: hex(h, 'proposer_address'),
  }
}

function commitSig(s: unknown): CommitSig {
  const flag = Number(int(s, 'block_id_flag'))
  if (flag !== BlockIdFlag.Absent && flag !== BlockIdFlag.Commit && flag !== BlockIdFlag.Nil) throw new JsonShapeError(`unknown block_id_flag ${flag}`)
  return { blockIdFlag: flag, validatorAddress: hex(s, 'validator_address'), timestamp: parseTimestamp(str(s, 'timestamp')), signature: base64(s, 'signature') }
}

export function parseCommit(c: unknown): Commit {
  const sigs = field(c, 'signatures')
  if (!Array.isArray(sigs)) throw new JsonShapeError('signatures is not a list')
  return { height: int(c, 'height'), round: Number(int(c, 'round')), blockId: blockId(field(c, 'block_id')), signatures: sigs.map(commitSig) }
}

/** The `signed_header` of a /commit answer. */
export function parseSignedHeader(sh: unknown): SignedHeader {
  return { header: parseHeader(field(sh, 'header')), commit: parseCommit(field(sh, 'commit')) }
}

export function parseValidator(v: unknown): Validator {
  const pubKey = field(v, 'pub_key')
  const type = str(pubKey, 'type')
  if (type !== 'tendermint/PubKeyEd25519') throw new JsonShapeError(`validator key type ${type} is not supported (Ed25519 only)`)
  return { address: hex(v, 'address'), pubKey: base64(pubKey, 'value'), votingPower: int(v, 'voting_power') }
}
