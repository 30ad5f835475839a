/**
 * bench/registry: the added time of a register transaction in a block. Blocks of B register
 * transactions (each a fresh operator with a simulated-enclave document, dev root in genesis)
 * against blocks of B transfers, on the ledger app in-process (MemoryKv, no consensus):
 * FinalizeBlock + Commit time per transaction, and the difference. Signatures are recovered
 * in both (no CheckTx ran first), so the difference is the registry's own work: attestation
 * verification at block time, policy, stake lock, node record and index writes.
 * A node runs the handler twice per transaction (CheckTx and FinalizeBlock); the CheckTx
 * figure is printed too.
 *
 * Run: node --import tsx bench/registry.ts [--blocks N] [--per-block B] [--json]
 */
import { cpus } from 'node:os'
import { parseArgs } from 'node:util'
import { utf8 } from '../src/core/bytes.ts'
import { sha256 } from '../src/core/hash.ts'
import { addressOf, generatePrivateKey, publicKeyOf } from '../src/core/keys.ts'
import { DevRoot } from '../src/attestation/devRoot.ts'
import { attestationBindingDigest } from '../src/attestation/keyBinding.ts'
import { SimulatedEnclave, simulatedEnclavePcrs } from '../src/attestation/simulatedEnclave.ts'
import { buildTransferTx } from '../src/ledger/accounts/tx.ts'
import { LedgerApp } from '../src/ledger/app.ts'
import { buildRegisterTx, signKeyProof } from '../src/ledger/registry/tx.ts'
import { MemoryKv } from '../src/ledger/state/kv.ts'

const { values } = parseArgs({ options: { blocks: { type: 'string', default: '6' }, 'per-block': { type: 'string', default: '50' }, json: { type: 'boolean', default: false } } })
const BLOCKS = Number(values.blocks)
const B = Number(values['per-block'])
const CHAIN = 'haca-bench-registry'
const T0 = Date.parse('2026-03-01T00:00:00Z')

async function main(): Promise<void> {
  const root = await DevRoot.generate({ notBefore: new Date(T0 - 86_400_000) })
  const enclave = new SimulatedEnclave({ root, clock: () => T0 })
  const n = BLOCKS * B
  const operators = Array.from({ length: n }, () => generatePrivateKey())
  const payer = generatePrivateKey()
  const accounts = [payer, ...operators].map((k) => ({ address: addressOf(k), balance: '1000000' }))
  const registry = { trustedRoots: [root.fingerprint], measurements: { inference: { nitro: [simulatedEnclavePcrs()] } }, minStake: '1000', maxAttestationAgeMs: '3600000' }
  const app = await LedgerApp.open(new MemoryKv())
  await app.initChain({ chainId: CHAIN, appStateBytes: utf8(JSON.stringify({ accounts, registry })), initialHeight: 1n })

  const registers: Uint8Array[] = []
  for (const op of operators) {
    const nodeKey = generatePrivateKey()
    const signing = publicKeyOf(nodeKey)
    const document = await enclave.attest({ publicKey: signing, userData: attestationBindingDigest({ signingKey: signing }) })
    const msg = {
      nodeType: 'inference' as const,
      evidence: { kind: 'nitro' as const, document },
      signingKey: signing,
      endpoint: 'http://127.0.0.1:8080',
      payout: addressOf(op),
      capabilities: { runtimes: ['onnx'], models: ['mnist-8'], modes: ['fast'], prices: [{ item: '*', amount: 1n }] },
      stake: 1000n,
      nonceHeight: 0,
      keyProof: signKeyProof(addressOf(op), nodeKey),
    }
    registers.push(buildRegisterTx({ chainId: CHAIN, nonce: 0n, fee: 10n, msg }, op).bytes)
  }
  const to = addressOf(generatePrivateKey())
  const transfers = Array.from({ length: n }, (_, i) => buildTransferTx({ chainId: CHAIN, nonce: BigInt(i), fee: 10n, to, amount: 1n }, payer).bytes)

  let height = 0
  const runBlock = async (txs: Uint8Array[]): Promise<number> => {
    height++
    const ms = T0 + height * 1000
    const t = performance.now()
    const res = await app.finalizeBlock({ height: BigInt(height), txs, time: { seconds: BigInt(Math.floor(ms / 1000)), nanos: 0 }, hash: sha256(utf8(`b${height}`)) })
    await app.commit()
    const elapsed = performance.now() - t
    const failed = res.txResults.find((r) => r.code !== 0)
    if (failed) throw new Error(`a benchmark transaction failed: ${failed.log}`)
    return elapsed
  }
  // Interleave so that both kinds see the same trie size and the same machine load.
  let regMs = 0
  let xferMs = 0
  for (let b = 0; b < BLOCKS; b++) {
    xferMs += await runBlock(transfers.slice(b * B, (b + 1) * B))
    regMs += await runBlock(registers.slice(b * B, (b + 1) * B))
  }
  // CheckTx of a register on a fresh app (signature cache cold): the handler verifies the document again.
  const check = await LedgerApp.open(new MemoryKv())
  await check.initChain({ chainId: CHAIN, appStateBytes: utf8(JSON.stringify({ accounts, registry })), initialHeight: 1n })
  await check.finalizeBlock({ height: 1n, txs: [], time: { seconds: BigInt(Math.floor(T0 / 1000) + 1), nanos: 0 } })
  await check.commit()
  const ct = performance.now()
  for (const tx of registers.slice(0, B)) {
    const r = await check.checkTx({ tx })
    if (r.code !== 0) throw new Error(`CheckTx failed: ${r.log}`)
  }
  const checkMs = (performance.now() - ct) / B

  const out = {
    node: process.version,
    cpu: cpus()[0]?.model,
    txsPerKind: n,
    transferMsPerTx: xferMs / n,
    registerMsPerTx: regMs / n,
    addedMsPerRegister: (regMs - xferMs) / n,
    checkTxMsPerRegister: checkMs,
    registerTxBytes: registers[0]!.length,
  }
  if (values.json) {
    console.log(JSON.stringify(out, null, 2))
    return
  }
  console.log(`registry benchmark — node ${out.node}, ${out.cpu ?? 'unknown cpu'}, ${BLOCKS} blocks of ${B} per kind, one thread`)
  console.log(`transfer, FinalizeBlock+Commit          ${out.transferMsPerTx.toFixed(3).padStart(8)} ms/tx`)
  console.log(`register (nitro, simulated enclave)     ${out.registerMsPerTx.toFixed(3).padStart(8)} ms/tx`)
  console.log(`added time of a register in a block     ${out.addedMsPerRegister.toFixed(3).padStart(8)} ms/tx  (${(1000 / out.addedMsPerRegister).toFixed(0)} registers/s of block time)`)
  console.log(`CheckTx of a register (cold signature)  ${out.checkTxMsPerRegister.toFixed(3).padStart(8)} ms/tx`)
  console.log(`register tx size                        ${out.registerTxBytes} bytes`)
}

await main()
