/**
 * The fast-path cost of the payment voucher check on an inference node, next to this
 * machine's native secp256k1 rates measured in the same run. One thread.
 *
 * Rows:
 * - native secp256k1 verify (libsecp256k1 `ecdsaVerify` with a known public key) and recover
 *   + address (what a voucher check does: the signer must be the channel's client);
 * - the voucher check as the node runs it: hex header → decode → chain/channel/node/amount
 *   checks → signer recovery → in-memory record (the PaymentGate, cached channel), without
 *   the disk write;
 * - the same through `PaymentGate.authorize` (the async API the route hook calls);
 * - with the durable record awaited (fdatasync of the voucher log), one request at a time
 *   and 16 at a time (group commit), per request.
 *
 * Run: node --import tsx bench/payments.ts [--count N] [--json]
 */
import { cpus, tmpdir } from 'node:os'
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { type Hex, toHex } from '../src/core/bytes.ts'
import { sha256 } from '../src/core/hash.ts'
import { addressOf, addressOfPublicKey, generatePrivateKey, publicKeyOf, secp256k1, signDigest } from '../src/core/keys.ts'
import { decodeVoucher, signVoucher, voucherToHex } from '../src/protocol/voucher.ts'
import type { ChannelView } from '../src/ledger/payments/queries.ts'
import { ChannelCache } from '../src/nodes/inference/payments/channelCache.ts'
import { PaymentGate } from '../src/nodes/inference/payments/gate.ts'
import { VoucherLog } from '../src/nodes/inference/payments/voucherLog.ts'

type Row = { name: string; perSecond: number; microsPerOp: number; ops: number }

const args = process.argv.slice(2)
const json = args.includes('--json')
const countArg = args.indexOf('--count')
const COUNT = countArg >= 0 ? Number(args[countArg + 1]) : 20_000
const CHAIN = 'haca-bench'
const PRICE = 10n

function row(name: string, ops: number, ms: number): Row {
  return { name, perSecond: (ops * 1000) / ms, microsPerOp: (ms * 1000) / ops, ops }
}

/** Runs `fn` 500 times to warm up, then `ops` times timed; `fn` gets a call counter that never repeats. */
function timeSync(name: string, ops: number, fn: (i: number) => void): Row {
  const warm = 500
  for (let i = 0; i < warm; i++) fn(i)
  const t = performance.now()
  for (let i = warm; i < warm + ops; i++) fn(i)
  return row(name, ops, performance.now() - t)
}

/** Signed vouchers (hex) on a fresh channel: cumulative = PRICE × (i + 1). */
function vouchers(clientKey: Uint8Array, channelId: Hex, n: number, requestHash: Hex): string[] {
  return Array.from({ length: n }, (_, i) => voucherToHex(signVoucher({ chainId: CHAIN, channelId, cumulative: PRICE * BigInt(i + 1), requestHash }, clientKey)))
}

async function main(): Promise<void> {
  const rows: Row[] = []
  const dir = await mkdtemp(join(tmpdir(), 'haca-bench-payments-'))
  try {
    // Native secp256k1, same digests and signatures shape as the vouchers.
    const key = generatePrivateKey()
    const pub = publicKeyOf(key)
    const digests = Array.from({ length: 1000 }, (_, i) => sha256(new Uint8Array([i & 255, i >> 8])))
    const sigs = digests.map((d) => signDigest(d, key))
    rows.push(timeSync('native secp256k1 verify (ecdsaVerify, known key)', COUNT, (i) => {
      if (!secp256k1.ecdsaVerify(sigs[i % 1000].subarray(0, 64), digests[i % 1000], pub)) throw new Error('verify failed')
    }))
    rows.push(timeSync('native secp256k1 recover + address', COUNT, (i) => {
      const s = sigs[i % 1000]
      addressOfPublicKey(secp256k1.ecdsaRecover(s.subarray(0, 64), s[64], digests[i % 1000], true))
    }))

    const node = addressOf(generatePrivateKey())
    const clientKey = generatePrivateKey()
    const client = addressOf(clientKey)
    const requestHash = toHex(sha256(new Uint8Array([1])))
    const views = new Map<Hex, ChannelView>()
    const newChannel = (n: number): Hex => {
      const id = toHex(sha256(new Uint8Array([n, 7])))
      views.set(id, { id, client, node, deposit: (PRICE * 10_000_000n).toString(), spent: '0', remaining: '0', nonce: '0', openedHeight: 1, closesAtMs: '0', status: 'open' })
      return id
    }
    const channels = new ChannelCache(async (id) => views.get(id), { ttlMs: 3_600_000 })
    const log = await VoucherLog.open(join(dir, 'vouchers.log'))
    const gate = new PaymentGate({ chainId: CHAIN, node, channels, log })

    // The synchronous check, cached channel, no disk wait.
    const a = newChannel(1)
    const ca = (await channels.refresh(a))!
    const va = vouchers(clientKey, a, COUNT + 500, requestHash)
    const pending: Promise<void>[] = []
    rows.push(timeSync('voucher check: decode + checks + signer + in-memory record', COUNT, (i) => {
      pending.push(gate.acceptCached(decodeVoucher(va[i]), ca, requestHash, PRICE))
    }))
    await Promise.all(pending)

    // The async API the route hook calls, persistence not awaited.
    const b = newChannel(2)
    await channels.refresh(b)
    const vb = vouchers(clientKey, b, COUNT, requestHash)
    const waits: Promise<void>[] = []
    let t = performance.now()
    for (let i = 0; i < COUNT; i++) {
      const r = await gate.authorize({ voucher: vb[i], requestHash, price: PRICE, model: 'bench', resource: '/v1/chat/completions' })
      if (!r.paid) throw new Error(r.body.error.message)
      waits.push(r.persisted)
    }
    rows.push(row('PaymentGate.authorize (durable write not awaited)', COUNT, performance.now() - t))
    await Promise.all(waits)

    // Durable: each request waits for its voucher to be on disk.
    const durable = Math.min(COUNT, 2_000)
    const c = newChannel(3)
    await channels.refresh(c)
    const vc = vouchers(clientKey, c, durable, requestHash)
    t = performance.now()
    for (let i = 0; i < durable; i++) {
      const r = await gate.authorize({ voucher: vc[i], requestHash, price: PRICE, model: 'bench', resource: '/v1/infer' })
      if (!r.paid) throw new Error(r.body.error.message)
      await r.persisted
    }
    rows.push(row('authorize + durable record (fdatasync), 1 at a time', durable, performance.now() - t))

    // 16 concurrent requests on 16 channels: their records share a sync.
    const ids = Array.from({ length: 16 }, (_, k) => newChannel(10 + k))
    for (const id of ids) await channels.refresh(id)
    const per = Math.ceil(Math.min(COUNT, 8_000) / 16)
    const vs = ids.map((id) => vouchers(clientKey, id, per, requestHash))
    t = performance.now()
    await Promise.all(ids.map(async (_id, k) => {
      for (let i = 0; i < per; i++) {
        const r = await gate.authorize({ voucher: vs[k][i], requestHash, price: PRICE, model: 'bench', resource: '/v1/infer' })
        if (!r.paid) throw new Error(r.body.error.message)
        await r.persisted
      }
    }))
    rows.push(row('authorize + durable record, 16 concurrent (per request)', per * 16, performance.now() - t))
    await log.close()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }

  const meta = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length }
  if (json) {
    console.log(JSON.stringify({ ...meta, rows }, null, 2))
    return
  }
  console.log(`# payments fast path — ${meta.node}, ${meta.cpu}, ${meta.cores} cores, one thread`)
  console.log('| what | per second | µs each |')
  console.log('|---|---:|---:|')
  for (const r of rows) console.log(`| ${r.name} | ${Math.round(r.perSecond).toLocaleString('en-US')} | ${r.microsPerOp.toFixed(1)} |`)
}

await main()
