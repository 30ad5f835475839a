/**
 * Attestation throughput: verifications per second of a real AWS Nitro document (with the
 * certificate memo warm, as in a running full node, and cold), a simulated-enclave document,
 * a real TDX and SGX quote with collateral, plus the simulated enclave's signing rate and an
 * HPKE request/response round trip. Single-threaded, one core.
 *
 * Run: node --import tsx bench/attestation.ts [--json]
 */
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { clearCertificateCache } from '../src/attestation/certificateCache.ts'
import { checkAttestationPolicy } from '../src/attestation/checkAttestationPolicy.ts'
import { DevRoot } from '../src/attestation/devRoot.ts'
import { openRequest, sealRequest } from '../src/attestation/hpkeChannel.ts'
import { HpkeKeyPair } from '../src/attestation/hpkeKeys.ts'
import { attestationBindingDigest } from '../src/attestation/keyBinding.ts'
import { SimulatedEnclave, simulatedEnclavePcrs } from '../src/attestation/simulatedEnclave.ts'
import { AWS_NITRO_ROOT_G1_FINGERPRINT } from '../src/attestation/trustAnchors.ts'
import { verifyDcapQuote } from '../src/attestation/verifyDcapQuote.ts'
import { verifyNitroDocument } from '../src/attestation/verifyNitroDocument.ts'
import { utf8 } from '../src/core/bytes.ts'
import { generatePrivateKey, publicKeyOf } from '../src/core/keys.ts'

const fixtures = new URL('../test/fixtures/tee/', import.meta.url)
const read = (path: string): Buffer => readFileSync(new URL(path, fixtures))

type Result = { name: string; perSecond: number; meanMs: number; runs: number }

/** Runs `fn` for about `seconds` after a short warm-up and reports its rate. */
async function measure(name: string, fn: () => unknown, seconds = 2): Promise<Result> {
  for (let i = 0; i < 5; i++) await fn()
  let runs = 0
  const start = performance.now()
  const until = start + seconds * 1000
  while (performance.now() < until) {
    await fn()
    runs++
  }
  const elapsed = performance.now() - start
  return { name, perSecond: (runs * 1000) / elapsed, meanMs: elapsed / runs, runs }
}

async function main(): Promise<void> {
  const results: Result[] = []

  const nitro = new Uint8Array(Buffer.from(read('nitro/nitro_attestation.b64').toString('utf8').trim(), 'base64'))
  const nitroAt = Date.parse('2024-09-07T14:37:39.545Z')
  const aws = { now: nitroAt, trustedRootFingerprints: [AWS_NITRO_ROOT_G1_FINGERPRINT] }
  results.push(await measure('nitro document (AWS), certificate memo warm', () => verifyNitroDocument(nitro, aws)))
  results.push(
    await measure('nitro document (AWS), cold (memo cleared each time)', () => {
      clearCertificateCache()
      verifyNitroDocument(nitro, aws)
    }),
  )

  const root = await DevRoot.generate()
  const enclave = new SimulatedEnclave({ root })
  const signingKey = publicKeyOf(generatePrivateKey())
  const hpke = await HpkeKeyPair.generate()
  const nonce = utf8('block hash')
  const simulated = await enclave.attest({ publicKey: signingKey, userData: attestationBindingDigest({ signingKey, hpkePublicKey: hpke.publicKey }), nonce })
  const policy = { nitro: [simulatedEnclavePcrs()], maxAgeMs: 3_600_000 }
  const now = Date.now()
  results.push(
    await measure('simulated document: verify + policy', () => {
      const att = verifyNitroDocument(simulated, { now, trustedRootFingerprints: [root.fingerprint] })
      checkAttestationPolicy(att, { policy, now, signingKey, hpkePublicKey: hpke.publicKey, expectedNonce: nonce })
    }),
  )

  const tdx = new Uint8Array(read('tdx/tdx_quote'))
  const tdxCollateral = JSON.parse(read('tdx/tdx_quote_collateral.json').toString('utf8'))
  results.push(await measure('tdx quote + collateral', () => verifyDcapQuote(tdx, tdxCollateral, { now: 1752920162_000 })))
  const sgx = new Uint8Array(read('tdx/sgx_quote'))
  const sgxCollateral = JSON.parse(read('tdx/sgx_quote_collateral.json').toString('utf8'))
  results.push(await measure('sgx quote + collateral', () => verifyDcapQuote(sgx, sgxCollateral, { now: 1752919277_000 })))

  results.push(await measure('simulated enclave: emit a document', () => enclave.attest({ publicKey: signingKey, nonce })))
  const body = utf8(JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(1000) }] }))
  results.push(
    await measure('hpke x25519: seal request, open, seal answer, open (1 kB)', async () => {
      const { request, openResponse } = await sealRequest(hpke.publicKey, body)
      const opened = await openRequest(hpke, request)
      openResponse(opened.sealResponse(body))
    }),
  )

  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ node: process.version, cpu: cpus()[0]?.model, results }, null, 2))
    return
  }
  console.log(`attestation benchmark — node ${process.version}, ${cpus()[0]?.model ?? 'unknown cpu'}, one thread`)
  for (const r of results) console.log(`${r.name.padEnd(60)} ${r.perSecond.toFixed(0).padStart(7)} /s  ${r.meanMs.toFixed(3).padStart(8)} ms`)
}

await main()
