import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { utf8 } from '../../core/bytes.ts'
import { sha256 } from '../../core/hash.ts'
import { type Address, addressOf, generatePrivateKey, publicKeyOf } from '../../core/keys.ts'
import { DevRoot } from '../../attestation/devRoot.ts'
import { HpkeKeyPair } from '../../attestation/hpkeKeys.ts'
import { attestationBindingDigest } from '../../attestation/keyBinding.ts'
import { SimulatedEnclave, simulatedEnclavePcrs } from '../../attestation/simulatedEnclave.ts'
import { LedgerApp } from '../app.ts'
import { MemoryKv } from '../state/kv.ts'
import { STAKE_POOL_ADDRESS, nodeKey } from './keys.ts'
import { decodeNode, type NodeView } from './node.ts'
import type { MsgRegister } from './msgs.ts'
import type { RegistryGenesis } from './params.ts'
import { buildDeregisterTx, buildReattestTx, buildRegisterTx, buildSetMeasurementsTx, buildWithdrawTx, signKeyProof } from './tx.ts'

const CHAIN = 'haca-registry-test'
const T0 = Date.parse('2026-03-01T00:00:00Z')
const HOUR = 3_600_000
const MAX_AGE = HOUR
const UNBONDING = 10 * 60_000

const gov = generatePrivateKey()
const operators = Array.from({ length: 4 }, () => generatePrivateKey())
const [op1, op2, op3, op4] = operators as [Uint8Array, Uint8Array, Uint8Array, Uint8Array]

let root: DevRoot
let otherRoot: DevRoot
before(async () => {
  root = await DevRoot.generate({ notBefore: new Date(T0 - 24 * HOUR) })
  otherRoot = await DevRoot.generate({ notBefore: new Date(T0 - 24 * HOUR) })
})

function genesis(extra: Partial<RegistryGenesis> = {}): RegistryGenesis {
  return {
    governance: addressOf(gov),
    trustedRoots: [root.fingerprint],
    measurements: { inference: { nitro: [simulatedEnclavePcrs()] } },
    maxAttestationAgeMs: String(MAX_AGE),
    minStake: '1000',
    unbondingPeriodMs: String(UNBONDING),
    allowVanilla: true,
    recentBlockHashes: 5,
    ...extra,
  }
}

class Chain {
  height = 0
  timeMs = BigInt(T0)
  private readonly nonces = new Map<string, bigint>()
  private constructor(
    readonly app: LedgerApp,
    readonly kv: MemoryKv,
  ) {}

  /** `null`: a genesis without a registry section. */
  static async start(registry: RegistryGenesis | null = genesis(), t0 = T0): Promise<Chain> {
    const kv = new MemoryKv()
    const app = await LedgerApp.open(kv)
    const accounts = [gov, ...operators].map((k) => ({ address: addressOf(k), balance: '100000' }))
    await app.initChain({ chainId: CHAIN, appStateBytes: utf8(JSON.stringify({ accounts, params: { minFee: '10' }, ...(registry ? { registry } : {}) })), initialHeight: 1n })
    const chain = new Chain(app, kv)
    chain.timeMs = BigInt(t0)
    await chain.block([])
    return chain
  }

  hashOf(height: number): Uint8Array {
    return sha256(utf8(`block ${height}`))
  }

  /** Finalizes and commits one block at `timeMs` (default: 1 s after the last). */
  async block(txs: Uint8Array[], timeMs = this.timeMs + 1000n) {
    this.height++
    this.timeMs = timeMs
    const res = await this.app.finalizeBlock({
      height: BigInt(this.height),
      txs,
      time: { seconds: timeMs / 1000n, nanos: Number(timeMs % 1000n) * 1_000_000 },
      hash: this.hashOf(this.height),
    })
    await this.app.commit()
    return res.txResults
  }

  env(key: Uint8Array) {
    const a = addressOf(key)
    const nonce = this.nonces.get(a) ?? 0n
    this.nonces.set(a, nonce + 1n)
    return { chainId: CHAIN, nonce, fee: 10n }
  }

  /** One tx in its own block; returns its result. */
  async run(tx: Uint8Array, timeMs?: bigint) {
    return (await this.block([tx], timeMs))[0]!
  }

  async query<T>(path: string): Promise<T> {
    const res = await this.app.query({ path })
    assert.equal(res.code, 0, res.log)
    return JSON.parse(Buffer.from(res.value).toString()) as T
  }

  async balance(address: Address): Promise<bigint> {
    return BigInt((await this.query<{ balance: string }>(`/accounts/account/${address}`)).balance)
  }
}

/** A node's keys and the operator account that registers it (the key proof names it). */
type NodeKeys = { signing: Uint8Array; signingKey: Uint8Array; operator: Address; hpke?: Uint8Array }

function nodeKeys(operator: Uint8Array): NodeKeys {
  const signing = generatePrivateKey()
  return { signing, signingKey: publicKeyOf(signing), operator: addressOf(operator) }
}

async function document(keys: NodeKeys, o: { atMs?: number; nonce?: Uint8Array; enclaveRoot?: DevRoot; pcrs?: ReturnType<typeof simulatedEnclavePcrs>; bindKey?: Uint8Array } = {}) {
  const enclave = new SimulatedEnclave({ root: o.enclaveRoot ?? root, pcrs: o.pcrs, clock: () => o.atMs ?? T0 })
  const bound = o.bindKey ?? keys.signingKey
  return enclave.attest({ publicKey: bound, userData: attestationBindingDigest({ signingKey: bound, hpkePublicKey: keys.hpke }), nonce: o.nonce })
}

function registerMsg(keys: NodeKeys, doc: Uint8Array | null, extra: Partial<MsgRegister> = {}): MsgRegister {
  return {
    nodeType: 'inference',
    evidence: doc ? { kind: 'nitro', document: doc } : { kind: 'none' },
    signingKey: keys.signingKey,
    ...(keys.hpke ? { hpkePublicKey: keys.hpke } : {}),
    endpoint: 'http://127.0.0.1:8080',
    payout: addressOf(generatePrivateKey()),
    capabilities: { runtimes: ['onnx'], models: ['mnist-8'], modes: ['fast'], prices: [{ item: 'mnist-8', amount: 5n }] },
    stake: 1000n,
    nonceHeight: 0,
    keyProof: signKeyProof(keys.operator, keys.signing),
    ...extra,
  }
}

test('a simulated-enclave node registers under a dev root named in genesis, is active and attested, and its stake is locked', async () => {
  const chain = await Chain.start()
  const keys = { ...nodeKeys(op1), hpke: (await HpkeKeyPair.generate('x25519')).publicKey }
  const before = await chain.balance(addressOf(op1))
  const res = await chain.run(buildRegisterTx({ ...chain.env(op1), msg: registerMsg(keys, await document(keys, { atMs: T0 })) }, op1).bytes)
  assert.equal(res.code, 0, res.log)
  assert.equal(res.events.find((e) => e.type === 'register')?.attributes.find((a) => a.key === 'tee')?.value, 'nitro')
  const node = await chain.query<NodeView>(`/registry/node/${addressOf(op1)}`)
  assert.equal(node.status, 'active')
  assert.equal(node.attested, true)
  assert.equal(node.tee, 'nitro')
  assert.equal(node.signingKey, `0x${Buffer.from(keys.signingKey).toString('hex')}`)
  assert.equal(node.hpkePublicKey, `0x${Buffer.from(keys.hpke).toString('hex')}`)
  assert.equal(node.expiresAtMs, String(T0 + MAX_AGE))
  assert.deepEqual(node.prices, [{ item: 'mnist-8', amount: '5' }])
  assert.equal(await chain.balance(addressOf(op1)), before - 1000n - 10n)
  assert.equal(await chain.balance(STAKE_POOL_ADDRESS), 1000n)
  // The raw record under the documented key decodes to the same node.
  const raw = await chain.app.committedState.get(nodeKey(addressOf(op1)))
  assert.equal(decodeNode(raw!).endpoint, 'http://127.0.0.1:8080')
  const listed = await chain.query<{ nodes: NodeView[] }>('/registry/nodes/type=inference&model=mnist-8&mode=fast&runtime=onnx')
  assert.deepEqual(listed.nodes.map((n) => n.address), [addressOf(op1)])
  assert.deepEqual((await chain.query<{ nodes: NodeView[] }>('/registry/nodes/model=other')).nodes, [])
  // A second registration from the same account is refused.
  const again = await chain.run(buildRegisterTx({ ...chain.env(op1), msg: registerMsg(keys, await document(keys, { atMs: T0 })) }, op1).bytes)
  assert.equal(again.codespace, 'registry')
  assert.match(again.log, /already has a registered node/)
})

test('refusals name the failed check', async () => {
  const chain = await Chain.start()
  const keys = nodeKeys(op1)
  const good = await document(keys, { atMs: T0 })
  const tampered = new Uint8Array(good)
  tampered[tampered.length - 5] ^= 0x01
  const other = nodeKeys(op1)
  const cases: Array<[string, MsgRegister, RegExp]> = [
    ['unknown measurement', registerMsg(keys, await document(keys, { atMs: T0, pcrs: simulatedEnclavePcrs('other-image') })), /attestation refused \(measurement_not_allowed\)/],
    ['expired document', registerMsg(keys, await document(keys, { atMs: T0 - 2 * HOUR })), /attestation refused \(attestation_expired\)/],
    ['tampered document', registerMsg(keys, tampered), /attestation refused \(bad_signature\)/],
    ['key not bound', registerMsg(keys, await document(keys, { atMs: T0, bindKey: other.signingKey })), /attestation refused \(key_not_bound\)/],
    ['root not in genesis', registerMsg(keys, await document(keys, { atMs: T0, enclaveRoot: otherRoot })), /attestation refused \(untrusted_root\)/],
    ['insufficient stake', registerMsg(keys, good, { stake: 999n }), /stake 999 is below the minimum 1000/],
    // Someone else's attested document, sent from another account: the node key never agreed to it.
    ['document reused by another account', registerMsg({ ...keys, operator: addressOf(op2) }, good), /keyProof is not a signature by the signing key/],
    ['stale nonce', registerMsg(keys, good, { nonceHeight: 99 }), /nonce block 99 is not among the last 5 blocks/],
  ]
  for (const [name, msg, expected] of cases) {
    const res = await chain.run(buildRegisterTx({ ...chain.env(op1), msg }, op1).bytes)
    assert.notEqual(res.code, 0, name)
    assert.match(res.log, expected, name)
  }
  const wrongNonce = registerMsg(keys, await document(keys, { atMs: T0, nonce: utf8('made up') }), { nonceHeight: chain.height })
  assert.match((await chain.run(buildRegisterTx({ ...chain.env(op1), msg: wrongNonce }, op1).bytes)).log, /attestation refused \(nonce_mismatch\)/)
  const measurement = await chain.run(buildRegisterTx({ ...chain.env(op1), msg: cases[0]![1] }, op1).bytes)
  assert.equal(measurement.code, 100 + 12, 'attestation codes are 100 + position in ATTESTATION_ERROR_CODES')
  assert.equal(await chain.query('/registry/node/' + addressOf(op1)), null)
  assert.equal(await chain.balance(STAKE_POOL_ADDRESS), 0n)
  // One node per signing key: a second account cannot register a key already in the registry.
  assert.equal((await chain.run(buildRegisterTx({ ...chain.env(op1), msg: registerMsg(keys, await document(keys, { atMs: T0 })) }, op1).bytes)).code, 0)
  const k3 = { ...keys, operator: addressOf(op3) }
  const dup = await chain.run(buildRegisterTx({ ...chain.env(op3), msg: registerMsg(k3, await document(k3, { atMs: T0 })) }, op3).bytes)
  assert.match(dup.log, /is already registered by/)
  const byKey = await chain.query<NodeView>(`/registry/by_key/0x${Buffer.from(keys.signingKey).toString('hex')}`)
  assert.equal(byKey.address, addressOf(op1))
  // Funds are checked through the accounts keeper.
  const poor = await Chain.start(genesis({ minStake: '0' }))
  const k2 = nodeKeys(op2)
  const rich = registerMsg(k2, await document(k2, { atMs: T0 }), { stake: 10n ** 9n })
  const r = await poor.run(buildRegisterTx({ ...poor.env(op2), msg: rich }, op2).bytes)
  assert.match(r.log, /needs 1000000000 for stake/)
})

test('a dev root is trusted only if genesis names it', async () => {
  const chain = await Chain.start(genesis({ trustedRoots: [] }))
  const keys = nodeKeys(op1)
  const res = await chain.run(buildRegisterTx({ ...chain.env(op1), msg: registerMsg(keys, await document(keys, { atMs: T0 })) }, op1).bytes, BigInt(T0 + 2000))
  assert.match(res.log, /untrusted_root/)
  const params = await chain.query<{ trustedRoots: string[] }>('/registry/params')
  assert.equal(params.trustedRoots.length, 1, 'AWS Nitro root only')
})

test('governance alone sets measurements; removing one deactivates the nodes that used it until they re-attest with an allowed one', async () => {
  const chain = await Chain.start()
  const k1 = nodeKeys(op1)
  const k2 = nodeKeys(op2)
  assert.equal((await chain.run(buildRegisterTx({ ...chain.env(op1), msg: registerMsg(k1, await document(k1, { atMs: T0 })) }, op1).bytes)).code, 0)
  assert.equal((await chain.run(buildRegisterTx({ ...chain.env(op2), msg: registerMsg(k2, null) }, op2).bytes)).code, 0)
  const v2 = simulatedEnclavePcrs('v2')
  const setTx = (key: Uint8Array) => buildSetMeasurementsTx({ ...chain.env(key), msg: { nodeType: 'inference', measurements: { nitro: [v2], tdx: [] } } }, key).bytes
  const denied = await chain.run(setTx(op1))
  assert.equal(denied.codespace, 'registry')
  assert.match(denied.log, /only the governance account/)
  assert.equal((await chain.query<NodeView>(`/registry/node/${addressOf(op1)}`)).status, 'active')

  const ok = await chain.run(setTx(gov))
  assert.equal(ok.code, 0, ok.log)
  assert.deepEqual(ok.events.filter((e) => e.type === 'node_deactivated').map((e) => e.attributes[0]!.value), [addressOf(op1)])
  assert.equal((await chain.query<NodeView>(`/registry/node/${addressOf(op1)}`)).status, 'measurement_removed')
  // The vanilla node is untouched and still listed (as unattested).
  const active = await chain.query<{ nodes: NodeView[] }>('/registry/nodes')
  assert.deepEqual(active.nodes.map((n) => [n.address, n.attested]), [[addressOf(op2), false]])

  // Re-attesting with the old image fails; with the new one (over a recent block hash) reactivates.
  const nonceHeight = chain.height
  const old = await chain.run(buildReattestTx({ ...chain.env(op1), msg: { evidence: { kind: 'nitro', document: await document(k1, { atMs: T0, nonce: chain.hashOf(nonceHeight) }) }, nonceHeight } }, op1).bytes)
  assert.match(old.log, /measurement_not_allowed/)
  const fresh = await document(k1, { atMs: Number(chain.timeMs), nonce: chain.hashOf(nonceHeight), pcrs: v2 })
  const re = await chain.run(buildReattestTx({ ...chain.env(op1), msg: { evidence: { kind: 'nitro', document: fresh }, nonceHeight } }, op1).bytes)
  assert.equal(re.code, 0, re.log)
  assert.equal((await chain.query<NodeView>(`/registry/node/${addressOf(op1)}`)).status, 'active')
})

test('an attestation lapses at its age limit; re-attesting needs a recent block hash as nonce', async () => {
  const chain = await Chain.start()
  const keys = nodeKeys(op1)
  assert.equal((await chain.run(buildRegisterTx({ ...chain.env(op1), msg: registerMsg(keys, await document(keys, { atMs: T0 })) }, op1).bytes)).code, 0)
  await chain.block([], BigInt(T0 + MAX_AGE + 1))
  const lapsed = await chain.query<NodeView>(`/registry/node/${addressOf(op1)}`)
  assert.equal(lapsed.status, 'lapsed')
  assert.equal(lapsed.active, false)
  assert.deepEqual((await chain.query<{ nodes: NodeView[] }>('/registry/nodes')).nodes, [])
  assert.equal((await chain.query<{ nodes: NodeView[] }>('/registry/nodes/status=all')).nodes.length, 1)

  // A document over a block hash that has left the window (5 blocks) is refused as stale.
  const oldHeight = chain.height
  for (let i = 0; i < 5; i++) await chain.block([])
  const now = Number(chain.timeMs)
  const stale = await chain.run(buildReattestTx({ ...chain.env(op1), msg: { evidence: { kind: 'nitro', document: await document(keys, { atMs: now, nonce: chain.hashOf(oldHeight) }) }, nonceHeight: oldHeight } }, op1).bytes)
  assert.equal(stale.codespace, 'registry')
  assert.match(stale.log, new RegExp(`nonce block ${oldHeight} is not among the last 5 blocks`))
  const h = chain.height
  const ok = await chain.run(buildReattestTx({ ...chain.env(op1), msg: { evidence: { kind: 'nitro', document: await document(keys, { atMs: now, nonce: chain.hashOf(h) }) }, nonceHeight: h } }, op1).bytes)
  assert.equal(ok.code, 0, ok.log)
  const head = await chain.query<{ height: number }>('/registry/head')
  assert.equal(head.height, chain.height)
  assert.equal((await chain.query<NodeView>(`/registry/node/${addressOf(op1)}`)).status, 'active')
})

test('deregister starts unbonding; withdraw returns the stake only after the unbonding period', async () => {
  const chain = await Chain.start()
  const keys = nodeKeys(op3)
  const a = addressOf(op3)
  assert.equal((await chain.run(buildRegisterTx({ ...chain.env(op3), msg: registerMsg(keys, await document(keys, { atMs: T0 })) }, op3).bytes)).code, 0)
  const afterRegister = await chain.balance(a)
  const early = await chain.run(buildWithdrawTx(chain.env(op3), op3).bytes)
  assert.match(early.log, /deregister first/)
  const dereg = await chain.run(buildDeregisterTx(chain.env(op3), op3).bytes)
  assert.equal(dereg.code, 0, dereg.log)
  const node = await chain.query<NodeView>(`/registry/node/${a}`)
  assert.equal(node.status, 'unbonding')
  assert.equal(node.unbondingEndsMs, String(chain.timeMs + BigInt(UNBONDING)))
  const tooSoon = await chain.run(buildWithdrawTx(chain.env(op3), op3).bytes)
  assert.match(tooSoon.log, /unbonds at block time/)
  const done = await chain.run(buildWithdrawTx(chain.env(op3), op3).bytes, BigInt(node.unbondingEndsMs!))
  assert.equal(done.code, 0, done.log)
  assert.equal(await chain.balance(a), afterRegister - 4n * 10n + 1000n)
  assert.equal(await chain.balance(STAKE_POOL_ADDRESS), 0n)
  assert.equal(await chain.query(`/registry/node/${a}`), null)
  assert.equal(await chain.query(`/registry/by_key/0x${Buffer.from(keys.signingKey).toString('hex')}`), null)
})

test('vanilla nodes register with stake only, listed as unattested, where genesis allows them', async () => {
  const chain = await Chain.start()
  const res = await chain.run(buildRegisterTx({ ...chain.env(op4), msg: registerMsg(nodeKeys(op4), null) }, op4).bytes)
  assert.equal(res.code, 0, res.log)
  const listed = await chain.query<{ nodes: NodeView[] }>('/registry/nodes/attested=false')
  assert.deepEqual(listed.nodes.map((n) => [n.address, n.tee, n.expiresAtMs]), [[addressOf(op4), 'none', null]])
  assert.deepEqual((await chain.query<{ nodes: NodeView[] }>('/registry/nodes/attested=true')).nodes, [])

  const strict = await Chain.start(genesis({ allowVanilla: false }))
  const refused = await strict.run(buildRegisterTx({ ...strict.env(op4), msg: registerMsg(nodeKeys(op4), null) }, op4).bytes)
  assert.match(refused.log, /accepts only attested nodes/)
})

test('a chain without a registry section writes nothing per block (empty blocks keep the app hash)', async () => {
  const chain = await Chain.start(null)
  const h1 = Buffer.from(chain.app.appHash).toString('hex')
  await chain.block([])
  assert.equal(Buffer.from(chain.app.appHash).toString('hex'), h1)
  assert.equal(await chain.query('/registry/head'), null)
})

test('a TDX quote with its collateral travels in the transaction and is checked at block time: measurement, then nonce', async () => {
  const dir = new URL('../../../test/fixtures/tee/tdx/', import.meta.url)
  const quote = new Uint8Array(readFileSync(new URL('tdx_quote', dir)))
  const collateral = JSON.parse(readFileSync(new URL('tdx_quote_collateral.json', dir), 'utf8'))
  const TDX_AT = 1752920162_000
  const mrTd = '0x91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7'
  const keys = nodeKeys(op1)
  const msg = (nonceHeight: number) => registerMsg(keys, null, { evidence: { kind: 'dcap', quote, collateral }, nonceHeight })

  const other = await Chain.start(genesis(), TDX_AT - 5000)
  assert.match((await other.run(buildRegisterTx({ ...other.env(op1), msg: msg(other.height) }, op1).bytes)).log, /attestation refused \(measurement_not_allowed\): .*MRTD 0x91eb2b44/)

  const chain = await Chain.start(genesis({ measurements: { inference: { tdx: [{ mrTd }] } } }), TDX_AT - 5000)
  // A quote carries no time, so one without a nonce block is refused even when it verifies.
  assert.match((await chain.run(buildRegisterTx({ ...chain.env(op1), msg: msg(0) }, op1).bytes)).log, /nonce_mismatch\): .*expected nonce is required/)
  // The fixture's report data answers someone else's nonce and keys.
  const res = await chain.run(buildRegisterTx({ ...chain.env(op1), msg: msg(chain.height) }, op1).bytes)
  assert.equal(res.codespace, 'registry')
  assert.match(res.log, /attestation refused \(nonce_mismatch\): .*report_data/)
})

test('after a restart, CheckTx checks a registration at the last committed block time, not at 0', async () => {
  const chain = await Chain.start()
  await chain.block([], BigInt(T0 + 10 * 60_000))
  const keys = nodeKeys(op1)
  const tx = buildRegisterTx({ ...chain.env(op1), msg: registerMsg(keys, await document(keys, { atMs: T0 + 10 * 60_000 })) }, op1).bytes
  const restarted = await LedgerApp.open(chain.kv)
  const res = await restarted.checkTx({ tx })
  assert.equal(res.code, 0, res.log)
})
