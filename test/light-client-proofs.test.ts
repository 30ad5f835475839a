/**
 * The light client against a real CometBFT devnet, and what it adds to state proofs: from a
 * trust root at height 2 it verifies the latest block; a light-client-backed queryProven of the
 * demo account passes; behind a lying RPC (an HTTP proxy on 127.0.0.1 that rewrites app hashes
 * in /commit answers, or proofs in /abci_query answers) the rewritten header is refused by
 * name, while the same queryProven without a light client is fooled by a consistent lie.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { RLP } from '@ethereumjs/rlp'
import { readKeyFile } from '../src/core/keyfile.ts'
import { addressOf } from '../src/core/keys.ts'
import { sha256 } from '../src/core/hash.ts'
import { toHex } from '../src/core/bytes.ts'
import { LedgerRpc, ProofError, UnverifiedHeaderError } from '../src/client/ledger/ledgerRpc.ts'
import { waitForHeight } from '../src/client/ledger/wait.ts'
import { LightClient } from '../src/client/light/client.ts'
import { ErrInvalidHeader } from '../src/client/light/errors.ts'
import { RpcLightBlockProvider } from '../src/client/light/rpcProvider.ts'
import { MemoryLightStore } from '../src/client/light/store.ts'
import { accountKey } from '../src/ledger/accounts/keys.ts'
import { decodeAccount, encodeAccount } from '../src/ledger/accounts/keeper.ts'
import { prepareDevnet, RunningDevnet } from '../src/network/devnet.ts'
import { tempHome } from './helpers/ledger.ts'

let home: Awaited<ReturnType<typeof tempHome>>
let net: RunningDevnet
let nodeUrl: string
let demoKey: Uint8Array
let proxy: Server
let proxyUrl: string

type Lie = { kind: 'none' } | { kind: 'appHash' } | { kind: 'proofByte' } | { kind: 'consistent'; value: Uint8Array; leaf: Uint8Array }
let lie: Lie = { kind: 'none' }

const HOUR_MS = 3_600_000
// The user's trust root; the proxy lies about the blocks after it (the state a user asks about).
const TRUST_HEIGHT = 2n
const FAKE_APP_HASH = 'AB'.repeat(32)

function rewrite(method: string, result: Record<string, any>): void {
  const header = result.signed_header?.header
  if (method === 'commit' && (lie.kind === 'appHash' || lie.kind === 'consistent') && BigInt(header.height) > TRUST_HEIGHT) {
    header.app_hash = lie.kind === 'consistent' ? Buffer.from(sha256(lie.leaf)).toString('hex').toUpperCase() : FAKE_APP_HASH
  }
  if (method === 'abci_query') {
    const response = result.response
    const ops = (response.proof_ops ?? response.proofOps).ops as Array<{ data: string }>
    if (lie.kind === 'proofByte') {
      const data = Buffer.from(ops[0]!.data, 'base64')
      data[data.length - 1] ^= 0x01
      ops[0]!.data = data.toString('base64')
    }
    if (lie.kind === 'consistent') {
      response.value = Buffer.from(lie.value).toString('base64')
      ops[0]!.data = Buffer.from(RLP.encode([lie.leaf])).toString('base64')
    }
  }
}

/** An RPC in front of the real node that lies as `lie` says (JSON-RPC posts and GET paths both). */
async function startLyingProxy(upstream: string): Promise<void> {
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks)
        const method = req.method === 'POST' ? String((JSON.parse(body.toString()) as { method?: unknown }).method) : new URL(req.url ?? '/', 'http://x').pathname.slice(1)
        const up = await fetch(`${upstream}${req.url ?? '/'}`, { method: req.method, headers: { 'content-type': 'application/json' }, body: req.method === 'POST' ? body : undefined })
        const json = (await up.json()) as { result?: Record<string, any> }
        if (json.result) rewrite(method, json.result)
        res.writeHead(up.status, { 'content-type': 'application/json' }).end(JSON.stringify(json))
      })().catch((err: unknown) => res.writeHead(502).end(String(err)))
    })
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
}

before(async () => {
  home = await tempHome('lightproofs')
  const layout = await prepareDevnet({ home: home.dir, validators: 1, basePort: 24400, timeoutCommit: '300ms' })
  net = new RunningDevnet(layout)
  await net.start()
  nodeUrl = layout.validators[0]!.rpc
  demoKey = (await readKeyFile(layout.demoKeyFile)).privateKey
  await waitForHeight(nodeUrl, 4, 60_000)
  await startLyingProxy(nodeUrl.replace(/\/+$/, ''))
})

after(async () => {
  await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve(undefined)))
  await net?.stop()
  await home?.cleanup()
})

/** A light client trusting height 2 as the real node reports it (the user's trusted source). */
async function lightClient(primaryUrl: string): Promise<LightClient> {
  const trusted = new RpcLightBlockProvider(nodeUrl)
  const root = await trusted.lightBlock(TRUST_HEIGHT)
  return LightClient.create({
    chainId: await trusted.chainId(),
    trustRoot: { height: TRUST_HEIGHT, hash: root.signedHeader.commit.blockId.hash },
    trustingPeriodMs: HOUR_MS,
    primary: new RpcLightBlockProvider(primaryUrl),
    store: new MemoryLightStore(),
  })
}

test('from a trust root at height 2 the latest block verifies, and a light-client-backed queryProven passes', async () => {
  lie = { kind: 'none' }
  const lc = await lightClient(nodeUrl)
  const latest = (await new RpcLightBlockProvider(nodeUrl).signedHeader()).header.height
  const verified = await lc.verifyLightBlockAtHeight(latest)
  assert.equal(verified.signedHeader.header.height, latest)

  const rpc = await LedgerRpc.connect(nodeUrl, { lightClient: lc })
  const proven = await rpc.queryProven(accountKey(addressOf(demoKey)))
  assert.ok(decodeAccount(proven.value!).balance > 0n)
  const header = (await lc.store.lightBlock(BigInt(proven.height + 1)))!.signedHeader.header
  assert.equal(proven.appHash, toHex(header.appHash), 'the proof was checked against the verified header')

  // The honest proxy passes too (it only forwards).
  const viaProxy = await LedgerRpc.connect(proxyUrl, { lightClient: lc })
  assert.ok((await viaProxy.queryProven(accountKey(addressOf(demoKey)))).value)
})

test('a rewritten app hash in /commit: refused by name with a light client', async () => {
  lie = { kind: 'appHash' }
  const key = accountKey(addressOf(demoKey))
  // The RPC lies, the light client reads from the real node: the headers differ.
  const honestLc = await LedgerRpc.connect(proxyUrl, { lightClient: await lightClient(nodeUrl) })
  await assert.rejects(honestLc.queryProven(key), (err: unknown) => {
    assert.ok(err instanceof UnverifiedHeaderError, String(err))
    assert.match(err.message, /app hash differs from the light-client-verified header/)
    return true
  })
  // Everything through the lying RPC: the light client refuses the header its commit does not sign.
  const lyingLc = await LedgerRpc.connect(proxyUrl, { lightClient: await lightClient(proxyUrl) })
  await assert.rejects(lyingLc.queryProven(key), (err: unknown) => {
    assert.ok(err instanceof ErrInvalidHeader, String(err))
    assert.match(err.message, /commit signs block 0x[0-9a-f]{64}, header is block 0x[0-9a-f]{64}/)
    return true
  })
  // Without a light client the app hash alone does not fool the proof check (the proof no longer matches).
  const plain = await LedgerRpc.connect(proxyUrl)
  await assert.rejects(plain.queryProven(key), ProofError)
})

test('a changed byte of the /abci_query proof is refused with and without a light client', async () => {
  lie = { kind: 'proofByte' }
  const key = accountKey(addressOf(demoKey))
  await assert.rejects((await LedgerRpc.connect(proxyUrl, { lightClient: await lightClient(proxyUrl) })).queryProven(key), ProofError)
  await assert.rejects((await LedgerRpc.connect(proxyUrl)).queryProven(key), ProofError)
})

test('a consistent lie (forged value, its proof and a matching app hash) fools queryProven without a light client, not with one', async () => {
  const key = accountKey(addressOf(demoKey))
  const forged = encodeAccount({ balance: 10n ** 30n, nonce: 0n })
  // A one-leaf trie holding only the forged account: hex-prefix 0x20 (leaf, even length), then the hashed key.
  const leaf = RLP.encode([Uint8Array.of(0x20, ...sha256(key)), forged])
  lie = { kind: 'consistent', value: forged, leaf }

  const fooled = await (await LedgerRpc.connect(proxyUrl)).queryProven(key)
  assert.equal(decodeAccount(fooled.value!).balance, 10n ** 30n, 'without a light client the forged balance is "proven"')

  const lyingLc = await LedgerRpc.connect(proxyUrl, { lightClient: await lightClient(proxyUrl) })
  await assert.rejects(lyingLc.queryProven(key), ErrInvalidHeader)
  const honestLc = await LedgerRpc.connect(proxyUrl, { lightClient: await lightClient(nodeUrl) })
  await assert.rejects(honestLc.queryProven(key), UnverifiedHeaderError)
  lie = { kind: 'none' }
})
