import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { before, describe, test } from 'node:test'
import { generatePrivateKey, publicKeyOf } from '../core/keys.ts'
import { utf8 } from '../core/bytes.ts'
import { type AttestationPolicy, type VerifiedAttestation, checkAttestationPolicy } from './checkAttestationPolicy.ts'
import { DevRoot } from './devRoot.ts'
import { attestationBindingDigest, dcapReportData } from './keyBinding.ts'
import { SimulatedEnclave, simulatedEnclavePcrs } from './simulatedEnclave.ts'
import { AWS_NITRO_ROOT_G1_FINGERPRINT } from './trustAnchors.ts'
import { type TdxAttestation, verifyDcapQuote } from './verifyDcapQuote.ts'
import { verifyNitroDocument } from './verifyNitroDocument.ts'
import { codeOf } from './codeOf.testing.ts'

const T0 = Date.parse('2026-01-01T00:00:00Z')
const MINUTE = 60_000
const PCRS = simulatedEnclavePcrs()
const NITRO_POLICY: AttestationPolicy = { nitro: [PCRS], maxAgeMs: 10 * MINUTE }


describe('checkAttestationPolicy on Nitro-format documents', () => {
  const signingKey = publicKeyOf(generatePrivateKey())
  const otherKey = publicKeyOf(generatePrivateKey())
  const hpkePublicKey = new Uint8Array(32).fill(9)
  const nonce = utf8('block 1234 hash')
  let root: DevRoot
  let bound: VerifiedAttestation
  let keyOnly: VerifiedAttestation

  before(async () => {
    root = await DevRoot.generate({ notBefore: new Date(T0 - 3_600_000) })
    const enclave = new SimulatedEnclave({ root, clock: () => T0 })
    const verify = (doc: Uint8Array): VerifiedAttestation => verifyNitroDocument(doc, { now: T0, trustedRootFingerprints: [root.fingerprint] })
    bound = verify(await enclave.attest({ publicKey: signingKey, userData: attestationBindingDigest({ signingKey, hpkePublicKey }), nonce }))
    keyOnly = verify(await enclave.attest({ publicKey: signingKey }))
  })

  test('accepts an allowed, fresh document bound to the node keys and answering the nonce', () => {
    checkAttestationPolicy(bound, { policy: NITRO_POLICY, now: T0 + MINUTE, signingKey, hpkePublicKey, expectedNonce: nonce })
    checkAttestationPolicy(keyOnly, { policy: NITRO_POLICY, now: new Date(T0), signingKey })
  })

  test('measurement_not_allowed when PCRs differ from every allowed set', () => {
    const policy = { ...NITRO_POLICY, nitro: [{ ...PCRS, pcr2: `0x${'ab'.repeat(48)}` }] }
    assert.equal(codeOf(() => checkAttestationPolicy(bound, { policy, now: T0, signingKey, hpkePublicKey })), 'measurement_not_allowed')
    assert.throws(() => checkAttestationPolicy(bound, { policy, now: T0, signingKey, hpkePublicKey }), new RegExp(`PCR0 ${PCRS.pcr0}`))
  })

  test('measurements compare case-insensitively, with or without 0x', () => {
    const policy = { ...NITRO_POLICY, nitro: [{ pcr0: PCRS.pcr0.slice(2).toUpperCase(), pcr1: PCRS.pcr1, pcr2: PCRS.pcr2.toUpperCase().replace('0X', '0x') }] }
    assert.equal(codeOf(() => checkAttestationPolicy(bound, { policy, now: T0, signingKey, hpkePublicKey })), 'accepted')
  })

  test('attestation_kind_not_allowed when the node type allows no Nitro', () => {
    const policy: AttestationPolicy = { tdx: [], maxAgeMs: MINUTE }
    assert.equal(codeOf(() => checkAttestationPolicy(bound, { policy, now: T0, signingKey, hpkePublicKey })), 'attestation_kind_not_allowed')
  })

  test('attestation_expired past the age limit; attestation_from_future beyond the clock skew', () => {
    assert.equal(codeOf(() => checkAttestationPolicy(bound, { policy: NITRO_POLICY, now: T0 + 11 * MINUTE, signingKey, hpkePublicKey })), 'attestation_expired')
    assert.equal(codeOf(() => checkAttestationPolicy(bound, { policy: NITRO_POLICY, now: T0 - 30_000, signingKey, hpkePublicKey })), 'accepted')
    assert.equal(codeOf(() => checkAttestationPolicy(bound, { policy: NITRO_POLICY, now: T0 - 2 * MINUTE, signingKey, hpkePublicKey })), 'attestation_from_future')
  })

  test('nonce_mismatch when the nonce differs or is absent', () => {
    assert.equal(codeOf(() => checkAttestationPolicy(bound, { policy: NITRO_POLICY, now: T0, signingKey, hpkePublicKey, expectedNonce: utf8('other') })), 'nonce_mismatch')
    assert.equal(codeOf(() => checkAttestationPolicy(keyOnly, { policy: NITRO_POLICY, now: T0, signingKey, expectedNonce: nonce })), 'nonce_mismatch')
  })

  test('key_not_bound for another signing key, another HPKE key, or an HPKE key the document does not bind', () => {
    assert.equal(codeOf(() => checkAttestationPolicy(bound, { policy: NITRO_POLICY, now: T0, signingKey: otherKey, hpkePublicKey })), 'key_not_bound')
    assert.equal(codeOf(() => checkAttestationPolicy(bound, { policy: NITRO_POLICY, now: T0, signingKey, hpkePublicKey: new Uint8Array(32) })), 'key_not_bound')
    assert.equal(codeOf(() => checkAttestationPolicy(keyOnly, { policy: NITRO_POLICY, now: T0, signingKey: otherKey })), 'key_not_bound')
    assert.equal(codeOf(() => checkAttestationPolicy(keyOnly, { policy: NITRO_POLICY, now: T0, signingKey, hpkePublicKey })), 'key_not_bound')
    // public_key = signing key is enough when no HPKE key is claimed; so is the binding digest alone.
    assert.equal(codeOf(() => checkAttestationPolicy(bound, { policy: NITRO_POLICY, now: T0, signingKey })), 'accepted')
  })

  test('debug_enclave for the real AWS debug document (PCR0 all zeros), even if zeros were "allowed"', () => {
    const doc = new Uint8Array(Buffer.from(readFileSync(new URL('../../test/fixtures/tee/nitro/nitro_attestation_debug.b64', import.meta.url), 'utf8').trim(), 'base64'))
    const at = Date.parse('2024-09-07T14:38:06.508Z')
    const att = verifyNitroDocument(doc, { now: at, trustedRootFingerprints: [AWS_NITRO_ROOT_G1_FINGERPRINT] })
    const zeros = `0x${'00'.repeat(48)}`
    const policy: AttestationPolicy = { nitro: [{ pcr0: zeros, pcr1: zeros, pcr2: zeros }], maxAgeMs: MINUTE }
    assert.throws(() => checkAttestationPolicy(att, { policy, now: at, signingKey }), { code: 'debug_enclave', name: 'DebugEnclaveError' })
  })
})

describe('checkAttestationPolicy on DCAP quotes', () => {
  const read = (name: string): Buffer => readFileSync(new URL(`../../test/fixtures/tee/tdx/${name}`, import.meta.url))
  const TDX_AT = 1752920162_000
  const tdx = verifyDcapQuote(new Uint8Array(read('tdx_quote')), JSON.parse(read('tdx_quote_collateral.json').toString('utf8')), { now: TDX_AT }) as TdxAttestation
  const sgx = verifyDcapQuote(new Uint8Array(read('sgx_quote')), JSON.parse(read('sgx_quote_collateral.json').toString('utf8')), { now: 1752919277_000 })
  const signingKey = publicKeyOf(generatePrivateKey())
  const nonce = utf8('block hash')

  test('measurement_not_allowed for an unknown MRTD or RTMR; an omitted RTMR matches anything', () => {
    const [rtmr0, rtmr1, rtmr2] = tdx.rtmrs
    const wrongRtmr: AttestationPolicy = { tdx: [{ mrTd: tdx.mrTd, rtmr0, rtmr1, rtmr2: rtmr0 }], maxAgeMs: MINUTE }
    assert.equal(codeOf(() => checkAttestationPolicy(tdx, { policy: wrongRtmr, now: TDX_AT, signingKey, expectedNonce: nonce })), 'measurement_not_allowed')
    const wrongMrtd: AttestationPolicy = { tdx: [{ mrTd: rtmr0 }], maxAgeMs: MINUTE }
    assert.equal(codeOf(() => checkAttestationPolicy(tdx, { policy: wrongMrtd, now: TDX_AT, signingKey, expectedNonce: nonce })), 'measurement_not_allowed')
    // With the right measurements the quote passes on to the nonce and key checks, which this
    // sample (report data made by someone else) cannot pass.
    const right: AttestationPolicy = { tdx: [{ mrTd: tdx.mrTd, rtmr0, rtmr1, rtmr2 }], maxAgeMs: MINUTE }
    assert.equal(codeOf(() => checkAttestationPolicy(tdx, { policy: right, now: TDX_AT, signingKey, expectedNonce: nonce })), 'nonce_mismatch')
    assert.throws(() => checkAttestationPolicy(tdx, { policy: right, now: TDX_AT, signingKey }), /an expected nonce is required/)
  })

  test('the report data binding: binding digest ‖ sha256(nonce)', () => {
    const hpkePublicKey = new Uint8Array(65).fill(4)
    const right: AttestationPolicy = { tdx: [{ mrTd: tdx.mrTd }], maxAgeMs: MINUTE }
    const forged = { ...tdx, reportData: dcapReportData({ signingKey, hpkePublicKey, nonce }) }
    assert.equal(codeOf(() => checkAttestationPolicy(forged, { policy: right, now: TDX_AT, signingKey, hpkePublicKey, expectedNonce: nonce })), 'accepted')
    assert.equal(codeOf(() => checkAttestationPolicy(forged, { policy: right, now: TDX_AT, signingKey, expectedNonce: nonce })), 'key_not_bound')
    assert.equal(codeOf(() => checkAttestationPolicy(forged, { policy: right, now: TDX_AT, signingKey, hpkePublicKey, expectedNonce: utf8('x') })), 'nonce_mismatch')
  })

  test('tcb_status_too_low below the minimum; the SGX sample passes a lenient minimum', () => {
    assert.equal(sgx.kind, 'sgx')
    if (sgx.kind !== 'sgx') return
    const strict: AttestationPolicy = { sgx: [{ mrEnclave: sgx.mrEnclave }], maxAgeMs: MINUTE }
    assert.throws(() => checkAttestationPolicy(sgx, { policy: strict, now: 0, signingKey, expectedNonce: nonce }), {
      code: 'tcb_status_too_low',
      message: /ConfigurationAndSWHardeningNeeded is below the minimum UpToDate/,
    })
    const lenient: AttestationPolicy = { ...strict, minimumTcbStatus: 'ConfigurationAndSWHardeningNeeded' }
    assert.equal(codeOf(() => checkAttestationPolicy(sgx, { policy: lenient, now: 0, signingKey, expectedNonce: nonce })), 'nonce_mismatch')
    const bySigner: AttestationPolicy = { sgx: [{ mrSigner: sgx.mrSigner }], minimumTcbStatus: 'OutOfDate', maxAgeMs: MINUTE }
    assert.equal(codeOf(() => checkAttestationPolicy(sgx, { policy: bySigner, now: 0, signingKey, expectedNonce: nonce })), 'nonce_mismatch')
    const empty: AttestationPolicy = { sgx: [{}], minimumTcbStatus: 'OutOfDate', maxAgeMs: MINUTE }
    assert.equal(codeOf(() => checkAttestationPolicy(sgx, { policy: empty, now: 0, signingKey, expectedNonce: nonce })), 'measurement_not_allowed')
  })
})
