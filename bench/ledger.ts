/**
 * bench/ledger: committed transfer transactions per second on the embedded engine, on one
 * CometBFT validator and on four, next to this machine's libsecp256k1 verify rate measured in
 * the same run. Usage: node --import tsx bench/ledger.ts [--txs N] [--only embedded|comet1|comet4]
 *
 * Load: K funded senders, N pre-signed transfers, sent as JSON-RPC batches of
 * broadcast_tx_async over a few HTTP lanes (each sender on one lane, so its nonces arrive in
 * order). The clock runs from the first send to the block in which the last one committed.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { keccak256 } from '../src/core/hash.ts'
import { type Address, addressOf, generatePrivateKey, secp256k1, signDigest } from '../src/core/keys.ts'
import { buildTransferTx } from '../src/ledger/accounts/tx.ts'
import { prepareDevnet, RunningDevnet } from '../src/network/devnet.ts'
import { startDev } from '../src/network/dev.ts'

const { values } = parseArgs({ options: { txs: { type: 'string', default: '20000' }, only: { type: 'string' }, senders: { type: 'string', default: '40' }, lanes: { type: 'string', default: '4' } } })
const N = Number(values.txs)
const K = Number(values.senders)
const LANES = Number(values.lanes)
const BATCH = 250

function verifyRate(): number {
  const key = generatePrivateKey()
  const pub = secp256k1.publicKeyCreate(key, true)
  const msgs = Array.from({ length: 2000 }, (_, i) => keccak256(new TextEncoder().encode(`m${i}`)))
  const sigs = msgs.map((m) => signDigest(m, key).subarray(0, 64))
  const t = performance.now()
  let n = 0
  while (performance.now() - t < 1500) {
    for (let i = 0; i < msgs.length; i++) if (secp256k1.ecdsaVerify(sigs[i], msgs[i], pub)) n++
  }
  return n / ((performance.now() - t) / 1000)
}

type Load = { senders: Uint8Array[]; accounts: Array<{ address: Address; balance: string }> }

function makeLoad(): Load {
  const senders = Array.from({ length: K }, () => generatePrivateKey())
  return { senders, accounts: senders.map((k) => ({ address: addressOf(k), balance: '1000000000000' })) }
}

function signAll(load: Load, chainId: string): Uint8Array[][] {
  const perSender = Math.ceil(N / K)
  const to = addressOf(generatePrivateKey())
  return load.senders.map((key) => Array.from({ length: perSender }, (_, n) => buildTransferTx({ chainId, nonce: BigInt(n), fee: 10n, to, amount: 1n }, key).bytes))
}

async function rpcPost(url: string, body: unknown): Promise<any> {
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
  return res.json()
}

async function nonceOf(url: string, address: string): Promise<number> {
  const r = await rpcPost(url, { jsonrpc: '2.0', id: 1, method: 'abci_query', params: { path: `/accounts/account/${address}`, data: '', prove: false } })
  return Number(JSON.parse(Buffer.from(r.result.response.value, 'base64').toString()).nonce)
}

async function height(url: string): Promise<number> {
  const r = await rpcPost(url, { jsonrpc: '2.0', id: 1, method: 'status', params: {} })
  return Number(r.result.sync_info.latest_block_height)
}

async function drive(url: string, load: Load, chainId: string): Promise<{ tps: number; committed: number; seconds: number; blocks: number; rejected: number }> {
  const signed = signAll(load, chainId)
  const total = signed.reduce((a, s) => a + s.length, 0)
  const h0 = await height(url)
  let rejected = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: LANES }, async (_, lane) => {
      // Interleave this lane's senders, in nonce order per sender.
      const mine = signed.filter((_, i) => i % LANES === lane)
      const flat: Uint8Array[] = []
      for (let n = 0; n < mine[0].length; n++) for (const s of mine) if (s[n]) flat.push(s[n])
      for (let i = 0; i < flat.length; i += BATCH) {
        const batch = flat.slice(i, i + BATCH).map((tx, j) => ({ jsonrpc: '2.0', id: i + j, method: 'broadcast_tx_async', params: { tx: Buffer.from(tx).toString('base64') } }))
        const res = (await rpcPost(url, batch)) as any[]
        const bad = res.filter((r) => r.error || r.result?.code !== 0)
        if (bad.length && process.env.BENCH_DEBUG) console.error(JSON.stringify(bad[0]))
        rejected += bad.length
      }
    }),
  )
  const perSender = signed[0].length
  for (;;) {
    const nonces = await Promise.all(load.senders.map((k) => nonceOf(url, addressOf(k))))
    if (process.env.BENCH_DEBUG) console.error("nonces", nonces.slice(0, 5), "want", perSender, "rejected", rejected)
    if (nonces.every((n) => n >= perSender)) break
    if (performance.now() - t0 > 600_000) throw new Error('transactions did not commit within 10 minutes')
    await new Promise((r) => setTimeout(r, 50))
  }
  const seconds = (performance.now() - t0) / 1000
  return { tps: total / seconds, committed: total, seconds, blocks: (await height(url)) - h0, rejected }
}

const results: Record<string, Awaited<ReturnType<typeof drive>>> = {}
const verify = verifyRate()
console.log(`secp256k1 verify (libsecp256k1, 1 core): ${verify.toFixed(0)} /s`)

async function benchEmbedded() {
  const dir = await mkdtemp(join(tmpdir(), 'haca-bench-dev-'))
  const load = makeLoad()
  const dev = await startDev({ home: dir, port: 0, storagePort: 0, storageShards: 10, accounts: load.accounts, blockTimeMs: 100 })
  try {
    results.embedded = await drive(dev.rpc, load, dev.chainId)
  } finally {
    await dev.close()
    await rm(dir, { recursive: true, force: true })
  }
}

async function benchComet(validators: number) {
  const dir = await mkdtemp(join(tmpdir(), `haca-bench-comet${validators}-`))
  const load = makeLoad()
  const net = new RunningDevnet(await prepareDevnet({ home: dir, validators, basePort: 20600, accounts: load.accounts, timeoutCommit: '200ms', storageShards: 10 }))
  try {
    await net.start()
    results[`comet${validators}`] = await drive(net.layout.validators[0].rpc, load, net.layout.chainId)
  } finally {
    await net.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

if (!values.only || values.only === 'embedded') await benchEmbedded()
if (!values.only || values.only === 'comet1') await benchComet(1)
if (!values.only || values.only === 'comet4') await benchComet(4)

console.log(`\n${N} transfers, ${K} senders, ${LANES} HTTP lanes, JSON-RPC batches of ${BATCH}`)
console.log('engine      committed tx/s   seconds  blocks  rejected  tx/s ÷ verify/s')
for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(11)} ${r.tps.toFixed(0).padStart(14)} ${r.seconds.toFixed(2).padStart(9)} ${String(r.blocks).padStart(7)} ${String(r.rejected).padStart(9)}  ${(r.tps / verify).toFixed(3)}`)
}
