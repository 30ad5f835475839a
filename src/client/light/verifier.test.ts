import { test } from 'node:test'
import assert from 'node:assert/strict'
import { verifyCommitLight, verifyCommitLightTrusting } from './commit.ts'
import { ed25519Verify as browserEd25519Verify } from './ed25519.browser.ts'
import { voteSignBytes } from './encoding.ts'
import { ErrInvalidCommit, ErrInvalidCommitSignature, ErrInvalidHeader, ErrInvalidTrustLevel, ErrNewValSetCantBeTrusted, ErrNotEnoughVotingPowerSigned, ErrOldHeaderExpired } from './errors.ts'
import { at, msOf, testSignedHeader, testValidator, testValidatorSet, type BlockSpec } from './chain.testing.ts'
import { BlockIdFlag } from './types.ts'
import { validateSignedHeader, validateTrustLevel, verify, verifyAdjacent, verifyNonAdjacent, type VerifyOptions } from './verifier.ts'

const CHAIN = 'light-test'
const HOUR_MS = 3_600_000

const four = testValidatorSet([10n, 10n, 10n, 10n].map(testValidator))
const genesis = testSignedHeader({ chainId: CHAIN, height: 1n, time: at(0), vals: four })

function opts(nowSeconds = 60, more: Partial<VerifyOptions> = {}): VerifyOptions {
  return { trustingPeriodMs: HOUR_MS, nowMs: msOf(at(nowSeconds)), maxClockDriftMs: 10_000, ...more }
}

const block = (spec: Partial<BlockSpec> & Pick<BlockSpec, 'height'>) => testSignedHeader({ chainId: CHAIN, time: at(Number(spec.height)), vals: four, ...spec })

function refused(cls: abstract new (...args: never[]) => Error, causeCls?: abstract new (...args: never[]) => Error) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`)
    if (causeCls) assert.ok((err as Error).cause instanceof causeCls, `expected a ${causeCls.name} cause, got ${String((err as Error).cause)}`)
    return true
  }
}

// CometBFT's types/vote_test.go TestVoteSignBytesTestVectors: a vote with the zero time.
test('voteSignBytes matches CometBFT\'s sign-bytes vectors', () => {
  const zeroTime = { seconds: -62135596800n, nanos: 0 }
  const time = [0x2a, 0xb, 0x8, 0x80, 0x92, 0xb8, 0xc3, 0x98, 0xfe, 0xff, 0xff, 0xff, 0x1]
  const one = [0x1, 0, 0, 0, 0, 0, 0, 0]
  assert.deepEqual([...voteSignBytes('', { type: 0, height: 0n, round: 0, blockId: null, timestamp: zeroTime })], [0xd, ...time])
  assert.deepEqual([...voteSignBytes('', { type: 2, height: 1n, round: 1, blockId: null, timestamp: zeroTime })], [0x21, 0x8, 0x2, 0x11, ...one, 0x19, ...one, ...time])
  assert.deepEqual([...voteSignBytes('test_chain_id', { type: 0, height: 1n, round: 1, blockId: null, timestamp: zeroTime })], [0x2e, 0x11, ...one, 0x19, ...one, ...time, 0x32, 0xd, ...Buffer.from('test_chain_id')])
})

test('adjacent: the next block signed by the whole set verifies; so does one signed by just over 2/3', () => {
  verifyAdjacent(genesis, block({ height: 2n }), four, opts())
  verify(genesis, four, block({ height: 2n }), four, opts())
  verifyAdjacent(genesis, block({ height: 2n, signs: (_, i) => i !== 3 }), four, opts())
})

test('adjacent: 2/3 of the power or less is refused as not enough voting power', () => {
  const half = block({ height: 2n, signs: (_, i) => i < 2 })
  assert.throws(() => verifyAdjacent(genesis, half, four, opts()), refused(ErrInvalidHeader, ErrNotEnoughVotingPowerSigned))
  // Exactly 2/3 of three equal validators: CometBFT needs strictly more.
  const three = testValidatorSet([1n, 1n, 1n].map(testValidator))
  const trusted = testSignedHeader({ chainId: CHAIN, height: 1n, time: at(0), vals: three })
  const twoThirds = testSignedHeader({ chainId: CHAIN, height: 2n, time: at(2), vals: three, signs: (_, i) => i < 2 })
  assert.throws(() => verifyAdjacent(trusted, twoThirds, three, opts()), (err: unknown) => {
    const cause = (err as Error).cause
    assert.ok(cause instanceof ErrNotEnoughVotingPowerSigned, String(err))
    assert.deepEqual([cause.got, cause.needed], [2n, 2n])
    return true
  })
})

test('a forged signature is refused by name', () => {
  const forged = block({ height: 2n })
  forged.commit.signatures[0]!.signature[5]! ^= 0x40
  assert.throws(() => verifyAdjacent(genesis, forged, four, opts()), refused(ErrInvalidHeader, ErrInvalidCommitSignature))
  // A signature by someone else's key in a validator's slot.
  const stranger = testValidator(10n)
  const other = testSignedHeader({ chainId: CHAIN, height: 2n, time: at(2), vals: testValidatorSet([stranger, ...four.validators.slice(1)]) })
  const swapped = block({ height: 2n })
  swapped.commit.signatures[0] = { ...other.commit.signatures.find((s) => s.validatorAddress === stranger.address)! }
  assert.throws(() => verifyCommitLight(CHAIN, four, swapped.commit.blockId, 2n, swapped.commit), ErrInvalidCommitSignature)
})

test('a header changed after signing no longer matches the block its commit signs', () => {
  const tampered = block({ height: 2n })
  tampered.header.appHash = new Uint8Array(32).fill(0xee)
  assert.throws(() => verifyAdjacent(genesis, tampered, four, opts()), (err: unknown) => {
    assert.ok(err instanceof ErrInvalidHeader && /commit signs block/.test(err.message), String(err))
    return true
  })
})

test('another chain: a header of another chain id, or votes signed for one, is refused', () => {
  const foreign = testSignedHeader({ chainId: 'other-chain', height: 2n, time: at(2), vals: four })
  assert.throws(() => verifyAdjacent(genesis, foreign, four, opts()), (err: unknown) => err instanceof ErrInvalidHeader && /another chain/.test(err.message))
  const replayed = block({ height: 2n, signChainId: 'other-chain' })
  assert.throws(() => verifyAdjacent(genesis, replayed, four, opts()), refused(ErrInvalidHeader, ErrInvalidCommitSignature))
})

test('trusting period: a trusted header at or past its expiry is refused; just before, it is used', () => {
  const next = block({ height: 2n })
  assert.throws(() => verifyAdjacent(genesis, next, four, opts(3600)), refused(ErrOldHeaderExpired))
  assert.throws(() => verifyNonAdjacent(genesis, four, block({ height: 5n }), four, opts(4000)), refused(ErrOldHeaderExpired))
  verifyAdjacent(genesis, next, four, { ...opts(3599), trustingPeriodMs: HOUR_MS })
})

test('a header from the future beyond the clock drift is refused; within the drift it is accepted', () => {
  const future = block({ height: 2n, time: at(100) })
  assert.throws(() => verifyAdjacent(genesis, future, four, opts(90)), (err: unknown) => err instanceof ErrInvalidHeader && /from the future/.test(err.message))
  verifyAdjacent(genesis, future, four, opts(95))
  // And a new header no later than the trusted one is refused too.
  assert.throws(() => verifyAdjacent(block({ height: 1n, time: at(5) }), block({ height: 2n, time: at(5) }), four, opts()), ErrInvalidHeader)
})

test('validator sets: one that does not hash to the header, or not the one the trusted header named next, is refused', () => {
  const other = testValidatorSet([10n, 10n, 10n, 10n].map(testValidator))
  assert.throws(() => verifyAdjacent(genesis, block({ height: 2n }), other, opts()), (err: unknown) => err instanceof ErrInvalidHeader && /validators/.test(err.message))
  const changed = block({ height: 2n, vals: other })
  assert.throws(() => verifyAdjacent(genesis, changed, other, opts()), (err: unknown) => err instanceof ErrInvalidHeader && /next validators/.test(err.message))
  const power = structuredClone(four)
  power.validators[0]!.votingPower = 11n
  assert.throws(() => verifyAdjacent(genesis, block({ height: 2n }), power, opts()), ErrInvalidHeader)
})

test('non-adjacent: skips across a changed validator set when over 1/3 of the trusted power signed', () => {
  const [a, b, c] = four.validators
  const d = testValidator(10n)
  const newSet = testValidatorSet([a!, b!, d])
  const far = block({ height: 50n, vals: newSet })
  verifyNonAdjacent(genesis, four, far, newSet, opts())
  verify(genesis, four, far, newSet, opts())
  // Only one of the four trusted validators (1/4) still signs: bisect, the set cannot be trusted.
  const mostlyNew = testValidatorSet([c!, testValidator(10n), testValidator(10n)])
  assert.throws(() => verifyNonAdjacent(genesis, four, block({ height: 50n, vals: mostlyNew }), mostlyNew, opts()), refused(ErrNewValSetCantBeTrusted, ErrNotEnoughVotingPowerSigned))
  // Enough trusted power (2/4) but only 2/3 of the new set, not more: an invalid header, not a reason to bisect.
  const weak = block({ height: 50n, vals: newSet, signs: (v) => v === a || v === b })
  assert.throws(() => verifyNonAdjacent(genesis, four, weak, newSet, opts()), refused(ErrInvalidHeader, ErrNotEnoughVotingPowerSigned))
  assert.throws(() => verifyNonAdjacent(genesis, four, block({ height: 2n }), four, opts()), /non adjacent/)
})

test('trust level boundaries: exactly 1/3 of the trusted power is not enough, just over is', () => {
  const skip = (trustedPowers: bigint[]) => {
    const trustedSet = testValidatorSet(trustedPowers.map(testValidator))
    const first = trustedSet.validators.find((v) => v.votingPower === trustedPowers[0])!
    const trusted = testSignedHeader({ chainId: CHAIN, height: 1n, time: at(0), vals: trustedSet })
    // Only `first` of the trusted validators signs the new header, with two newcomers.
    const newSet = testValidatorSet([first, testValidator(first.votingPower), testValidator(first.votingPower)])
    return () => verifyNonAdjacent(trusted, trustedSet, testSignedHeader({ chainId: CHAIN, height: 9n, time: at(9), vals: newSet }), newSet, opts())
  }
  assert.throws(skip([100n, 100n, 100n]), refused(ErrNewValSetCantBeTrusted))
  skip([101n, 100n, 99n])()
  validateTrustLevel({ numerator: 1n, denominator: 3n })
  validateTrustLevel({ numerator: 1n, denominator: 1n })
  for (const bad of [{ numerator: 1n, denominator: 4n }, { numerator: 4n, denominator: 3n }, { numerator: 1n, denominator: 0n }]) {
    assert.throws(() => validateTrustLevel(bad), ErrInvalidTrustLevel)
    assert.throws(() => verifyNonAdjacent(genesis, four, block({ height: 5n }), four, opts(60, { trustLevel: bad })), ErrInvalidTrustLevel)
  }
  // A stricter trust level (2/3) wants more than 2/3 of the trusted power.
  const twoThirds = { numerator: 2n, denominator: 3n }
  const threeOfFour = block({ height: 5n, signs: (_, i) => i < 3 })
  verifyCommitLightTrusting(CHAIN, four, threeOfFour.commit, twoThirds)
  const twoOfFour = block({ height: 5n, signs: (_, i) => i < 2 })
  assert.throws(() => verifyCommitLightTrusting(CHAIN, four, twoOfFour.commit, twoThirds), ErrNotEnoughVotingPowerSigned)
})

test('trusting: a validator counts once, strangers are skipped, nil and absent votes never count', () => {
  const sh = block({ height: 5n, signs: (_, i) => i < 1 })
  const first = sh.commit.signatures[0]!
  const doubled = { ...sh.commit, signatures: [first, { ...first }, ...sh.commit.signatures.slice(2)] }
  assert.throws(() => verifyCommitLightTrusting(CHAIN, four, doubled), ErrInvalidCommit)
  const strangers = testValidatorSet([10n, 10n, 10n].map(testValidator))
  assert.throws(() => verifyCommitLightTrusting(CHAIN, strangers, block({ height: 5n }).commit), ErrNotEnoughVotingPowerSigned)
  const nil = block({ height: 5n })
  for (const s of nil.commit.signatures.slice(1)) s.blockIdFlag = BlockIdFlag.Nil
  assert.throws(() => verifyCommitLight(CHAIN, four, nil.commit.blockId, 5n, nil.commit), ErrNotEnoughVotingPowerSigned)
})

test('verifyCommitLight refuses a commit for another block, height or set size', () => {
  const sh = block({ height: 5n })
  const otherBlock = { ...sh.commit.blockId, hash: new Uint8Array(32).fill(1) }
  assert.throws(() => verifyCommitLight(CHAIN, four, otherBlock, 5n, sh.commit), ErrInvalidCommit)
  assert.throws(() => verifyCommitLight(CHAIN, four, sh.commit.blockId, 6n, sh.commit), ErrInvalidCommit)
  assert.throws(() => verifyCommitLight(CHAIN, { validators: four.validators.slice(1) }, sh.commit.blockId, 5n, sh.commit), ErrInvalidCommit)
  verifyCommitLight(CHAIN, four, sh.commit.blockId, 5n, sh.commit)
})

test('the browser twin of Ed25519 verifies the same commits', () => {
  const o = opts(60, { verifyEd25519: browserEd25519Verify })
  verifyAdjacent(genesis, block({ height: 2n }), four, o)
  verifyNonAdjacent(genesis, four, block({ height: 7n }), four, o)
  const forged = block({ height: 2n })
  forged.commit.signatures[1]!.signature[60]! ^= 1
  assert.throws(() => verifyAdjacent(genesis, forged, four, o), refused(ErrInvalidHeader, ErrInvalidCommitSignature))
})

test('validateSignedHeader names what is malformed', () => {
  validateSignedHeader(genesis, CHAIN)
  const noProposer = structuredClone(genesis)
  noProposer.header.proposerAddress = new Uint8Array(19)
  assert.throws(() => validateSignedHeader(noProposer, CHAIN), (err: unknown) => err instanceof ErrInvalidHeader && err.code === 'light_invalid_header' && /proposer address/.test(err.message))
  const oldProtocol = structuredClone(genesis)
  oldProtocol.header.version.block = 10n
  assert.throws(() => validateSignedHeader(oldProtocol, CHAIN), /block protocol/)
  assert.throws(() => validateSignedHeader(genesis, 'other'), /another chain/)
  const otherHeight = structuredClone(genesis)
  otherHeight.commit.height = 2n
  assert.throws(() => validateSignedHeader(otherHeight, CHAIN), /height mismatch/)
})
