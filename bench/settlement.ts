/**
 * bench/settlement: settled receipts per second (submitted, verified and committed) on one
 * CometBFT validator and on four, the p50/p99 time from answer to settled under a steady load,
 * and the fast-path cost of the voucher check, next to this machine's native signature-verify
 * rate in the same run.
 *
 * Usage: node --import tsx bench/settlement.ts [--receipts 100000] [--batch 5000] [--in-flight 8]
 *   [--only comet1|comet4] [--timeout-commit 300ms] [--rate 1000] [--seconds 8] [--trace]
 * (--trace: each batch's block, and the CPU each process used during the drain)
 *
 * The node is registered (vanilla), the client opens a channel; receipts are signed by the
 * node and paid by vouchers as the real node does, appended to a real receipt log, and drained
 * by the node's SettlementWorker into settle_batch transactions.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PerformanceObserver } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import type { Hex } from '../src/core/bytes.ts'
import { toHex, utf8 } from '../src/core/bytes.ts'
import { keccak256, sha256 } from '../src/core/hash.ts'
import { type KeyFile, writeKeyFile } from '../src/core/keyfile.ts'
import { addressOf, generatePrivateKey, publicKeyOf, secp256k1, signDigest } from '../src/core/keys.ts'
import { LedgerRpc } from '../src/client/ledger/ledgerRpc.ts'
import { sendTx } from '../src/client/ledger/sendTx.ts'
import { waitForHeight } from '../src/client/ledger/wait.ts'
import { signReceipt } from '../src/protocol/receipt.ts'
import { ReceiptLog } from '../src/nodes/inference/receipts/receiptLog.ts'
import { SettlementWorker } from '../src/nodes/inference/settlement/worker.ts'
import { channelIdOf } from '../src/protocol/channelId.ts'
import { buildOpenChannelTx } from '../src/ledger/payments/tx.ts'
import { type SignedVoucher, checkVoucher, signVoucher } from '../src/protocol/voucher.ts'
import { buildRegisterTx, signKeyProof } from '../src/ledger/registry/tx.ts'
import { prepareDevnet, RunningDevnet } from '../src/network/devnet.ts'

const { values } = parseArgs({ options: { receipts: { type: 'string', default: '100000' }, batch: { type: 'string', default: '5000' }, only: { type: 'string' }, rate: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '8' }, 'in-flight': { type: 'string', default: '8' }, trace: { type: 'boolean' }, 'timeout-commit': { type: 'string', default: '300ms' } } })
const IN_FLIGHT = Number(values['in-flight'])
const RECEIPTS = Number(values.receipts)
const BATCH = Number(values.batch)

function verifyRate(): number {
  const key = generatePrivateKey()
  const pub = secp256k1.publicKeyCreate(key, true)
  const msgs = Array.from({ length: 2000 }, (_, i) => keccak256(utf8(`m${i}`)))
  const sigs = msgs.map((m) => signDigest(m, key).subarray(0, 64))
  const t = performance.now()
  let n = 0
  while (performance.now() - t < 1000) for (let i = 0; i < msgs.length; i++) if (secp256k1.ecdsaVerify(sigs[i], msgs[i], pub)) n++
  return n / ((performance.now() - t) / 1000)
}

function voucherCheckMicros(): number {
  const client = generatePrivateKey()
  const node = addressOf(generatePrivateKey())
  const channel = { id: toHex(sha256(utf8('ch'))), client: addressOf(client), node, deposit: 10n ** 12n, open: true }
  const vs = Array.from({ length: 3000 }, (_, i) => signVoucher({ chainId: 'c', channelId: channel.id, cumulative: BigInt(i + 1), requestHash: toHex(sha256(utf8(`r${i}`))) }, client))
  const t = performance.now()
  for (const v of vs) checkVoucher(v, { chainId: 'c', node, channel, minCumulative: v.cumulative })
  return ((performance.now() - t) / vs.length) * 1000
}

/** CPU seconds used so far by every node and cometbft process (from /proc), for --trace. */
async function cpuByProcess(): Promise<Map<string, { user: number; sys: number }>> {
  const out = new Map<string, { user: number; sys: number }>()
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^[0-9]+$/.test(pid)) continue
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      if (comm !== 'node' && comm !== 'cometbft') continue
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean)
      const name = Number(pid) === process.pid ? 'bench + worker' : comm === 'cometbft' ? 'cometbft' : args.slice(-4).join(' ').slice(-60)
      out.set(`${pid} ${name}`, { user: Number(fields[11]) / 100, sys: Number(fields[12]) / 100 })
    } catch {
      // gone meanwhile
    }
  }
  return out
}

type Setup = { net: RunningDevnet; rpc: LedgerRpc; node: KeyFile; client: KeyFile; channelId: Hex; chainId: string; dir: string }

async function setup(validators: number): Promise<Setup> {
  const dir = await mkdtemp(join(tmpdir(), `haca-bench-settle${validators}-`))
  const node = await writeKeyFile(join(dir, 'node.json'))
  const client = await writeKeyFile(join(dir, 'client.json'))
  const layout = await prepareDevnet({ home: join(dir, 'net'), validators, basePort: 21600, timeoutCommit: values['timeout-commit'], storageShards: 10, accounts: [node, client].map((k) => ({ address: k.address, balance: '1000000000000' })) })
  // A registry (vanilla nodes allowed), payments, and room for multi-MB settlement batches.
  for (const v of layout.validators) {
    const file = join(v.cometHome, 'config/genesis.json')
    const g = JSON.parse(await readFile(file, 'utf8'))
    g.app_state.params = { minFee: '10', maxTxBytes: 4 * 1024 * 1024 }
    g.app_state.registry = { governance: client.address, trustedRoots: [], measurements: {}, maxAttestationAgeMs: '3600000', minStake: '100', unbondingPeriodMs: '60000', allowVanilla: true, recentBlockHashes: 5 }
    g.app_state.payments = { feeBps: '100', challengePeriodMs: '3600000' }
    await writeFile(file, JSON.stringify(g))
  }
  const net = new RunningDevnet(layout)
  for (let i = 0; i < validators; i++) await net.startValidator(i)
  await waitForHeight(layout.validators[0].rpc, 1, 60_000)
  const rpc = await LedgerRpc.connect(layout.validators[0].rpc)
  await sendTx(rpc, { key: node, build: (p) => buildRegisterTx({ ...p, msg: { nodeType: 'inference', evidence: { kind: 'none' }, signingKey: publicKeyOf(node.privateKey), endpoint: 'http://127.0.0.1:1', payout: node.address, capabilities: { runtimes: ['onnx'], models: ['m'], modes: ['vanilla'], prices: [{ item: 'm', amount: 3n }] }, stake: 100n, nonceHeight: 0, keyProof: signKeyProof(node.address, node.privateKey) } }, node.privateKey).bytes })
  const { nonce } = await rpc.queryJson<{ nonce: string }>(`/accounts/account/${client.address}`)
  await sendTx(rpc, { key: client, build: (p) => buildOpenChannelTx({ ...p, node: node.address, amount: 10n ** 11n }, client.privateKey).bytes })
  return { net, rpc, node, client, channelId: channelIdOf(client.address, node.address, BigInt(nonce)), chainId: layout.chainId, dir }
}

class Answers {
  private byRequest = new Map<Hex, SignedVoucher>()
  private cumulative = 0n
  answeredAt = new Map<Hex, number>()
  /** Receipt ids in log order: batches settle consecutive runs of them. */
  order: Hex[] = []
  private n = 0
  constructor(private readonly s: Setup, private readonly log: ReceiptLog, private readonly tag: string) {}
  voucherOfRequest(h: Hex) {
    return this.byRequest.get(h)
  }
  async answer(): Promise<void> {
    const i = this.n++
    const requestHash = toHex(sha256(utf8(`req ${this.tag} ${i} ${this.s.dir}`)))
    this.cumulative += 3n
    this.byRequest.set(requestHash, signVoucher({ chainId: this.s.chainId, channelId: this.s.channelId, cumulative: this.cumulative, requestHash }, this.s.client.privateKey))
    const r = signReceipt({ version: 1, id: toHex(sha256(utf8(`receipt ${this.tag} ${i} ${this.s.dir}`))), node: this.s.node.address, model: 'm', mode: 'vanilla', requestHash, responseHash: requestHash, price: 3n, timestamp: Date.now() }, this.s.node.privateKey, { keyAddress: this.s.node.address })
    this.answeredAt.set(r.id, performance.now())
    this.order.push(r.id)
    await this.log.append(r)
  }
}

async function run(validators: number) {
  const s = await setup(validators)
  try {
    // Throughput: N answers waiting, drained in batches.
    const log = await ReceiptLog.open(join(s.dir, 'receipts'))
    const answers = new Answers(s, log, 'bulk')
    const appends: Promise<void>[] = []
    for (let i = 0; i < RECEIPTS; i++) appends.push(answers.answer())
    await Promise.all(appends)
    // --trace: when each batch was known settled, and in which block (how batches share blocks).
    const onOutcome = values.trace ? (o: { status: string; count: number; height?: number }) => console.log(`  +${(performance.now() - t0).toFixed(0)} ms ${o.status} ${o.count} at height ${o.height ?? '-'}`) : undefined
    const worker = new SettlementWorker({ receipts: log, vouchers: answers, rpc: s.rpc, operatorKey: s.node, signingKey: s.node.privateKey, dir: join(s.dir, 'receipts'), batchSize: BATCH, maxInFlight: IN_FLIGHT, onOutcome })
    let t0 = performance.now()
    const cpuBefore = values.trace ? await cpuByProcess() : undefined
    // --trace: the collector's share of this process (bench + worker) during the drain.
    let gcMs = 0
    const gc = new PerformanceObserver((list) => { for (const e of list.getEntries()) gcMs += e.duration })
    if (values.trace) gc.observe({ entryTypes: ['gc'] })
    t0 = performance.now()
    const outcomes = await worker.drain()
    const seconds = (performance.now() - t0) / 1000
    gc.disconnect()
    if (values.trace) console.log(`  gc in bench + worker: ${gcMs.toFixed(0)} ms`)
    if (cpuBefore) {
      let total = 0
      for (const [proc, after] of await cpuByProcess()) {
        const before = cpuBefore.get(proc) ?? { user: 0, sys: 0 }
        const user = after.user - before.user
        const sys = after.sys - before.sys
        const pct = (x: number) => `${((x / seconds) * 100).toFixed(0).padStart(3)}%`
        if (user + sys > 0.05) console.log(`  cpu ${pct(user + sys)} of a core (user ${pct(user)}, kernel ${pct(sys)})  ${proc}`)
        total += user + sys
      }
      const drained = outcomes.filter((o) => o.status === 'settled').reduce((a, o) => a + o.count, 0)
      console.log(`  cpu of all these processes: ${((total / seconds) * 100).toFixed(0)}% of a core, ${((total / Math.max(1, drained)) * 1e6).toFixed(0)} µs per settled receipt`)
    }
    const settled = outcomes.filter((o) => o.status === 'settled').reduce((a, o) => a + o.count, 0)
    const refused = outcomes.filter((o) => o.status === 'refused')
    if (refused.length) console.error('refused:', refused.map((r) => (r.status === 'refused' ? r.reason : '')).join('; '))

    // Latency: a steady rate of answers, the worker draining every 250 ms.
    const latencies: number[] = []
    const steadyLog = await ReceiptLog.open(join(s.dir, 'receipts-steady'))
    const steady = new Answers(s, steadyLog, 'steady')
    // Continue the channel's cumulative where the throughput phase left it.
    ;(steady as unknown as { cumulative: bigint }).cumulative = BigInt(RECEIPTS) * 3n
    const settledAt = new Map<Hex, number>()
    let settledSoFar = 0
    const w2 = new SettlementWorker({
      receipts: steadyLog,
      vouchers: steady,
      rpc: s.rpc,
      operatorKey: s.node,
      signingKey: s.node.privateKey,
      dir: join(s.dir, 'receipts-steady'),
      batchSize: BATCH,
      maxInFlight: IN_FLIGHT,
      // Each settled batch is the next `count` receipts in log order: they settled now.
      onOutcome: (o) => {
        if (o.status !== 'settled') return
        const now = performance.now()
        for (let k = 0; k < o.count; k++) settledAt.set(steady.order[settledSoFar++], now)
      },
    })
    const rate = Number(values.rate)
    const until = performance.now() + Number(values.seconds) * 1000
    const producer = (async () => {
      while (performance.now() < until) {
        const tick = performance.now()
        for (let i = 0; i < rate / 10; i++) await steady.answer()
        await new Promise((r) => setTimeout(r, Math.max(0, 100 - (performance.now() - tick))))
      }
    })()
    const drainer = (async () => {
      while (performance.now() < until + 15_000) {
        await w2.drain()
        if (performance.now() > until && settledSoFar >= steady.order.length) break
        await new Promise((r) => setTimeout(r, 250))
      }
    })()
    await producer
    await drainer
    for (const [id, at] of steady.answeredAt) {
      const done = settledAt.get(id)
      if (done !== undefined) latencies.push(done - at)
    }
    latencies.sort((a, b) => a - b)
    const pct = (p: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : NaN)
    await log.close()
    await steadyLog.close()
    return { settled, seconds, rps: settled / seconds, batches: outcomes.length, p50: pct(50), p99: pct(99), steadyCount: latencies.length, steadyTotal: steady.answeredAt.size }
  } finally {
    s.rpc.disconnect()
    await s.net.stop()
    await rm(s.dir, { recursive: true, force: true })
  }
}

const verify = verifyRate()
const voucherUs = voucherCheckMicros()
console.log(`secp256k1 verify (libsecp256k1, 1 core): ${verify.toFixed(0)} /s (${(1e6 / verify).toFixed(1)} µs each)`)
console.log(`voucher check on the fast path: ${voucherUs.toFixed(1)} µs (${(voucherUs / (1e6 / verify)).toFixed(2)}× one native verify)`)
const results: Record<string, Awaited<ReturnType<typeof run>>> = {}
if (!values.only || values.only === 'comet1') results.comet1 = await run(1)
if (!values.only || values.only === 'comet4') results.comet4 = await run(4)
console.log(`\n${RECEIPTS} receipts drained in batches of up to ${BATCH}; steady phase ${values.rate}/s for ${values.seconds} s`)
console.log('network   settled receipts/s   seconds  batches   answer→settled p50 ms   p99 ms   (steady receipts settled)')
for (const [name, r] of Object.entries(results)) {
  console.log(`${name.padEnd(9)} ${r.rps.toFixed(0).padStart(18)} ${r.seconds.toFixed(2).padStart(9)} ${String(r.batches).padStart(8)} ${r.p50.toFixed(0).padStart(23)} ${r.p99.toFixed(0).padStart(8)}   ${r.steadyCount}/${r.steadyTotal}`)
}
