import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { at, msOf, testSignedHeader, testValidator, testValidatorSet, type TestValidatorSet } from './chain.testing.ts'
import { LightClient, type LightClientOptions } from './client.ts'
import { ErrHeightBelowTrust, ErrInvalidHeader, ErrTrustExpired, ErrTrustRootMismatch } from './errors.ts'
import { ErrBadLightStoreFile, FileLightStore } from './fileStore.ts'
import type { LightBlockProvider } from './rpcProvider.ts'
import { MemoryLightStore, type LightStore } from './store.ts'
import type { LightBlock, ValidatorSet } from './types.ts'

const CHAIN = 'light-client-test'
const HOUR_MS = 3_600_000
const TOP = 20n

// Three disjoint validator sets: A signs heights 1-4, B 5-8, C 9-20. No skip across a change
// can be trusted (none of the trusted set signed), so reaching 16 from 1 needs bisection.
const A = testValidatorSet([10n, 10n, 10n, 10n].map(testValidator))
const B = testValidatorSet([10n, 10n, 10n, 10n].map(testValidator))
const C = testValidatorSet([10n, 10n, 10n, 10n].map(testValidator))
const setAt = (h: bigint): TestValidatorSet => (h <= 4n ? A : h <= 8n ? B : C)
const publicSet = (s: TestValidatorSet): ValidatorSet => ({ validators: s.validators.map(({ address, pubKey, votingPower }) => ({ address, pubKey, votingPower })) })

const chain = new Map<bigint, LightBlock>()
for (let h = 1n; h <= TOP; h++) {
  const signedHeader = testSignedHeader({ chainId: CHAIN, height: h, time: at(Number(h) * 10), vals: setAt(h), nextVals: setAt(h + 1n) })
  chain.set(h, { signedHeader, validatorSet: publicSet(setAt(h)) })
}

/** Serves the hand-made chain (or what `lie` puts in its place) and counts what it was asked. */
class TestProvider implements LightBlockProvider {
  readonly calls: bigint[] = []
  constructor(private readonly lie: (b: LightBlock) => LightBlock = (b) => b) {}
  async chainId(): Promise<string> {
    return CHAIN
  }
  async lightBlock(height?: bigint): Promise<LightBlock> {
    const h = height ?? TOP
    this.calls.push(h)
    const b = chain.get(h)
    if (!b) throw new Error(`no block at ${h}`)
    return this.lie(b)
  }
}

const NOW = msOf(at(300))
const rootAt = (h: bigint) => ({ height: h, hash: chain.get(h)!.signedHeader.commit.blockId.hash })

async function client(more: Partial<LightClientOptions> & { store?: LightStore } = {}, nowMs = NOW) {
  const primary = (more.primary as TestProvider | undefined) ?? new TestProvider()
  const store = more.store ?? new MemoryLightStore()
  const lc = await LightClient.create({ chainId: CHAIN, trustRoot: rootAt(1n), trustingPeriodMs: HOUR_MS, ...more, primary, store }, nowMs)
  return { lc, primary, store }
}

const heightsIn = async (store: LightStore, upTo = TOP): Promise<bigint[]> => {
  const out: bigint[] = []
  for (let h = 1n; h <= upTo; h++) if (await store.lightBlock(h)) out.push(h)
  return out
}

test('skipping across three disjoint validator sets bisects down to the changes, and saves each verified block', async () => {
  const { lc, primary, store } = await client()
  const got = await lc.verifyLightBlockAtHeight(16n, NOW)
  assert.equal(got.signedHeader.header.height, 16n)
  // CometBFT's verifySkipping order: target, halfway, halfway again, then retry from each verified block.
  assert.deepEqual(primary.calls, [1n, 16n, 8n, 4n, 6n, 5n, 12n, 10n, 9n])
  assert.deepEqual(await heightsIn(store), [1n, 4n, 5n, 8n, 9n, 16n])
})

test('one validator set all along: a single skip from the root, no bisection', async () => {
  const { lc, primary } = await client({ trustRoot: rootAt(9n) })
  await lc.verifyLightBlockAtHeight(20n, NOW)
  assert.deepEqual(primary.calls, [9n, 20n])
})

test('sequential mode verifies every height in turn', async () => {
  const { lc, primary, store } = await client({ sequential: true })
  await lc.verifyLightBlockAtHeight(6n, NOW)
  assert.deepEqual(primary.calls, [1n, 6n, 2n, 3n, 4n, 5n])
  assert.deepEqual(await heightsIn(store), [1n, 2n, 3n, 4n, 5n, 6n])
})

test('a later call starts from the closest trusted block below the target; a trusted height is not fetched again', async () => {
  const { lc, primary } = await client()
  await lc.verifyLightBlockAtHeight(16n, NOW)
  primary.calls.length = 0
  await lc.verifyLightBlockAtHeight(12n, NOW) // from 9 (C signed both): one skip
  await lc.verifyLightBlockAtHeight(16n, NOW)
  assert.deepEqual(primary.calls, [12n])
})

test('a header changed by the provider is refused and not stored', async () => {
  const lie = (b: LightBlock): LightBlock => (b.signedHeader.header.height === 16n ? { ...b, signedHeader: { ...b.signedHeader, header: { ...b.signedHeader.header, appHash: new Uint8Array(32).fill(0xee) } } } : b)
  const { lc, store } = await client({ primary: new TestProvider(lie), trustRoot: rootAt(9n) })
  await assert.rejects(lc.verifyLightBlockAtHeight(16n, NOW), ErrInvalidHeader)
  assert.equal(await store.lightBlock(16n), undefined)
})

test('a trust root whose hash the provider does not have is refused', async () => {
  await assert.rejects(client({ trustRoot: { height: 1n, hash: new Uint8Array(32).fill(1) } }), (err: unknown) => {
    assert.ok(err instanceof ErrTrustRootMismatch, String(err))
    assert.equal(err.code, 'light_trust_root_mismatch')
    return true
  })
})

test('a height below the lowest trusted one is refused (no backwards verification yet)', async () => {
  const { lc } = await client({ trustRoot: rootAt(9n) })
  await assert.rejects(lc.verifyLightBlockAtHeight(5n, NOW), (err: unknown) => {
    assert.ok(err instanceof ErrHeightBelowTrust, String(err))
    assert.match(err.message, /below the lowest trusted height 9; backwards verification is not supported yet/)
    return true
  })
})

test('an expired trust root is refused, saying how to re-anchor; so is a step from an expired latest block', async () => {
  const late = msOf(at(10)) + HOUR_MS + 1
  await assert.rejects(client({}, late), (err: unknown) => {
    assert.ok(err instanceof ErrTrustExpired, String(err))
    assert.match(err.message, /height 1 expired .*re-anchor with a new trusted height and header hash from a source you trust/)
    return true
  })
  const { lc } = await client({ trustRoot: rootAt(9n) })
  await assert.rejects(lc.verifyLightBlockAtHeight(20n, msOf(at(90)) + HOUR_MS), ErrTrustExpired)
})

test('a file store: written atomically, reopened it resumes from its latest trusted block without the root', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'light-store-'))
  try {
    const path = join(dir, 'trusted.json')
    const first = await client({ store: await FileLightStore.open(path) })
    await first.lc.verifyLightBlockAtHeight(16n, NOW)
    assert.deepEqual(await readdir(dir), ['trusted.json'])

    const reopened = await FileLightStore.open(path)
    assert.deepEqual(await heightsIn(reopened), [1n, 4n, 5n, 8n, 9n, 16n])
    const back = (await reopened.lightBlock(16n))!
    assert.deepEqual(back, chain.get(16n))
    const second = await client({ store: reopened })
    const b20 = await second.lc.verifyLightBlockAtHeight(20n, NOW)
    assert.equal(b20.signedHeader.header.height, 20n)
    assert.deepEqual(second.primary.calls, [20n])

    await writeFile(path, '{"format":"something else","blocks":[]}')
    await assert.rejects(FileLightStore.open(path), ErrBadLightStoreFile)
    assert.equal(await (await FileLightStore.open(join(dir, 'absent.json'))).size(), 0)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
