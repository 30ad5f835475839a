/**
 * The light client against a real 4-validator CometBFT v0.38 network: its own Header.Hash and
 * validator-set hash equal CometBFT's for a dozen heights (so the encodings are right), it
 * verifies adjacent and skipping steps, and it refuses a light block with a changed app hash,
 * signature or validator power, each with the error named for what is wrong.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex } from '../src/core/bytes.ts'
import { waitForHeight } from '../src/client/ledger/wait.ts'
import { headerHash, validatorSetHash } from '../src/client/light/encoding.ts'
import { ErrInvalidCommitSignature, ErrInvalidHeader, ErrOldHeaderExpired } from '../src/client/light/errors.ts'
import { RpcLightBlockProvider } from '../src/client/light/rpcProvider.ts'
import { BlockIdFlag, type LightBlock } from '../src/client/light/types.ts'
import { verify, verifyAdjacent, verifyNonAdjacent, type VerifyOptions } from '../src/client/light/verifier.ts'
import { prepareDevnet, RunningDevnet } from '../src/network/devnet.ts'
import { tempHome } from './helpers/ledger.ts'

let home: Awaited<ReturnType<typeof tempHome>>
let net: RunningDevnet
let provider: RpcLightBlockProvider
const HEIGHTS = 12

before(async () => {
  home = await tempHome('light')
  net = new RunningDevnet(await prepareDevnet({ home: home.dir, validators: 4, basePort: 24000, timeoutCommit: '300ms' }))
  await net.start()
  const rpc = net.layout.validators[0]!.rpc
  // A commit for height h is canonical once h + 1 exists.
  await waitForHeight(rpc, HEIGHTS + 2, 60_000)
  provider = new RpcLightBlockProvider(rpc)
})

after(async () => {
  await net?.stop()
  await home?.cleanup()
})

const options = (): VerifyOptions => ({ trustingPeriodMs: 3_600_000, nowMs: Date.now(), maxClockDriftMs: 10_000 })

function refusedWith(cls: new (...args: never[]) => Error, causeCls?: new (...args: never[]) => Error) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`)
    if (causeCls) assert.ok((err as Error).cause instanceof causeCls, `expected a ${causeCls.name} cause, got ${String((err as Error).cause)}`)
    return true
  }
}

test('a real network: the hashes match CometBFT, adjacent and skipping steps verify, tampering is refused', async () => {
  const chainId = await provider.chainId()
  const blocks: LightBlock[] = []
  for (let h = 1n; h <= BigInt(HEIGHTS); h++) blocks.push(await provider.lightBlock(h))

  for (const [i, b] of blocks.entries()) {
    const { header, commit } = b.signedHeader
    assert.equal(header.chainId, chainId)
    assert.equal(b.validatorSet.validators.length, 4)
    assert.equal(toHex(headerHash(header)), toHex(commit.blockId.hash), `Header.Hash at height ${header.height}`)
    assert.equal(toHex(validatorSetHash(b.validatorSet)), toHex(header.validatorsHash), `validators hash at height ${header.height}`)
    if (i > 0) assert.equal(toHex(header.lastBlockId.hash), toHex(blocks[i - 1]!.signedHeader.commit.blockId.hash))
  }

  // Block 1 carries the genesis time, fixed long ago by the devnet: too old for a one-hour trusting period.
  assert.throws(() => verifyAdjacent(blocks[0]!.signedHeader, blocks[1]!.signedHeader, blocks[1]!.validatorSet, options()), refusedWith(ErrOldHeaderExpired))
  for (let i = 1; i + 1 < blocks.length; i++) verifyAdjacent(blocks[i]!.signedHeader, blocks[i + 1]!.signedHeader, blocks[i + 1]!.validatorSet, options())

  const latest = await provider.lightBlock()
  assert.ok(latest.signedHeader.header.height > 3n)
  const from = blocks[1]!
  verifyNonAdjacent(from.signedHeader, from.validatorSet, latest.signedHeader, latest.validatorSet, options())
  verify(from.signedHeader, from.validatorSet, latest.signedHeader, latest.validatorSet, options())

  const [trusted, next] = [blocks[4]!, blocks[5]!]
  const appHashChanged = structuredClone(next)
  appHashChanged.signedHeader.header.appHash[0]! ^= 1
  assert.throws(() => verifyAdjacent(trusted.signedHeader, appHashChanged.signedHeader, appHashChanged.validatorSet, options()), refusedWith(ErrInvalidHeader))
  assert.throws(() => verifyNonAdjacent(from.signedHeader, from.validatorSet, appHashChanged.signedHeader, appHashChanged.validatorSet, options()), refusedWith(ErrInvalidHeader))

  const signatureChanged = structuredClone(next)
  const signed = signatureChanged.signedHeader.commit.signatures.find((s) => s.blockIdFlag === BlockIdFlag.Commit)!
  signed.signature[10]! ^= 1
  assert.throws(() => verifyAdjacent(trusted.signedHeader, signatureChanged.signedHeader, signatureChanged.validatorSet, options()), refusedWith(ErrInvalidHeader, ErrInvalidCommitSignature))

  const powerChanged = structuredClone(next)
  powerChanged.validatorSet.validators[0]!.votingPower += 1n
  assert.throws(() => verifyAdjacent(trusted.signedHeader, powerChanged.signedHeader, powerChanged.validatorSet, options()), (err: unknown) => {
    assert.ok(err instanceof ErrInvalidHeader && /validators/.test(err.message), String(err))
    return true
  })

  // Someone else's chain id: the header is refused before any signature is looked at.
  assert.throws(() => verifyAdjacent({ ...trusted.signedHeader, header: { ...trusted.signedHeader.header, chainId: 'other-chain' } }, next.signedHeader, next.validatorSet, options()), refusedWith(ErrInvalidHeader))
})
