import { test } from 'node:test'
import assert from 'node:assert/strict'
import { JsonShapeError, parseCommit, parseTimestamp, parseValidator } from './rpcJson.ts'
import { BlockIdFlag } from './types.ts'

test('times keep their exact nanoseconds, whatever the number of fractional digits', () => {
  assert.deepEqual(parseTimestamp('2026-12-07T18:32:57.013456789Z'), { seconds: 1796668377n, nanos: 13_456_789 })
  assert.deepEqual(parseTimestamp('2026-12-07T18:32:57.5Z'), { seconds: 1796668377n, nanos: 500_000_000 })
  assert.deepEqual(parseTimestamp('2026-12-07T18:32:57Z'), { seconds: 1796668377n, nanos: 0 })
  // Go's zero time, which absent commit signatures carry (year 1, not 1901).
  assert.deepEqual(parseTimestamp('0001-01-01T00:00:00Z'), { seconds: -62135596800n, nanos: 0 })
  for (const bad of ['2026-12-07 18:32:57Z', '2026-12-07T18:32:57.0123456789Z', '2026-12-07T18:32:57+01:00', '']) assert.throws(() => parseTimestamp(bad), JsonShapeError, bad)
})

test('a commit and a validator decode from CometBFT\'s JSON; a missing or mistyped field is named', () => {
  const commit = parseCommit({
    height: '7',
    round: 0,
    block_id: { hash: 'AB'.repeat(32), parts: { total: 1, hash: 'CD'.repeat(32) } },
    signatures: [
      { block_id_flag: 2, validator_address: '11'.repeat(20), timestamp: '2026-12-07T18:32:57.1Z', signature: Buffer.alloc(64, 7).toString('base64') },
      { block_id_flag: 1, validator_address: '', timestamp: '0001-01-01T00:00:00Z', signature: null },
    ],
  })
  assert.equal(commit.height, 7n)
  assert.equal(commit.blockId.hash[0], 0xab)
  assert.equal(commit.signatures[0]!.signature.length, 64)
  assert.equal(commit.signatures[1]!.blockIdFlag, BlockIdFlag.Absent)
  assert.equal(commit.signatures[1]!.signature.length, 0)
  assert.throws(() => parseCommit({ height: '7', round: 0, signatures: [] }), /missing field block_id/)
  assert.throws(() => parseCommit({ height: 'x', round: 0, block_id: {}, signatures: [] }), /height is not an integer/)
  assert.throws(() => parseCommit({ height: '7', round: 0, block_id: { hash: '', parts: { total: 0, hash: '' } }, signatures: [{ block_id_flag: 9 }] }), /block_id_flag/)

  const v = parseValidator({ address: '22'.repeat(20), pub_key: { type: 'tendermint/PubKeyEd25519', value: Buffer.alloc(32, 1).toString('base64') }, voting_power: '10', proposer_priority: '0' })
  assert.equal(v.votingPower, 10n)
  assert.equal(v.pubKey.length, 32)
  assert.throws(() => parseValidator({ address: '22'.repeat(20), pub_key: { type: 'tendermint/PubKeySecp256k1', value: '' }, voting_power: '1' }), /Ed25519 only/)
})
