import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { utf8 } from '../core/bytes.ts'
import { generatePrivateKey, publicKeyOf } from '../core/keys.ts'
import { DevRoot } from './devRoot.ts'
import { ATTESTATION_ERROR_CODES, AttestationError } from './errors.ts'
import { HpkeKeyPair } from './hpkeKeys.ts'
import { attestationBindingDigest } from './keyBinding.ts'
import { SimulatedEnclave, simulatedEnclavePcrs } from './simulatedEnclave.ts'
import { type AttestationEvidence, verifyAttestation } from './verifyAttestation.ts'

const T0 = Date.parse('2026-03-01T12:00:00Z')

describe('verifyAttestation', () => {
  test('verifies a simulated document and its policy in one call', async () => {
    const root = await DevRoot.generate({ notBefore: new Date(T0 - 60_000) })
    const signingKey = publicKeyOf(generatePrivateKey())
    const hpke = await HpkeKeyPair.generate('p256')
    const nonce = utf8('recent block hash')
    const document = await new SimulatedEnclave({ root, clock: () => T0 }).attest({
      publicKey: signingKey,
      userData: attestationBindingDigest({ signingKey, hpkePublicKey: hpke.publicKey }),
      nonce,
    })
    const params = {
      now: T0 + 5000,
      trustedRootFingerprints: [root.fingerprint],
      policy: { nitro: [simulatedEnclavePcrs()], maxAgeMs: 60_000 },
      signingKey,
      hpkePublicKey: hpke.publicKey,
      expectedNonce: nonce,
    }
    const att = verifyAttestation({ kind: 'nitro', document }, params)
    assert.equal(att.kind, 'nitro')
    assert.throws(() => verifyAttestation({ kind: 'nitro', document }, { ...params, trustedRootFingerprints: [] }), { code: 'untrusted_root' })
    assert.throws(() => verifyAttestation({ kind: 'nitro', document }, { ...params, policy: { ...params.policy, nitro: [] } }), {
      code: 'measurement_not_allowed',
    })
  })

  test('verifies a DCAP quote with its collateral, then applies the policy', () => {
    const read = (name: string): Buffer => readFileSync(new URL(`../../test/fixtures/tee/tdx/${name}`, import.meta.url))
    const evidence: AttestationEvidence = {
      kind: 'dcap',
      quote: new Uint8Array(read('tdx_quote')),
      collateral: JSON.parse(read('tdx_quote_collateral.json').toString('utf8')),
    }
    const base = { now: 1752920162_000, trustedRootFingerprints: [], signingKey: publicKeyOf(generatePrivateKey()), expectedNonce: utf8('n') }
    assert.throws(() => verifyAttestation(evidence, { ...base, policy: { nitro: [], maxAgeMs: 1 } }), { code: 'attestation_kind_not_allowed' })
    const mrTd = '0x91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7'
    assert.throws(() => verifyAttestation(evidence, { ...base, policy: { tdx: [{ mrTd }], maxAgeMs: 1 } }), { code: 'nonce_mismatch' })
    assert.throws(() => verifyAttestation(evidence, { ...base, now: base.now + 90 * 86_400_000, policy: { tdx: [{ mrTd }], maxAgeMs: 1 } }), {
      code: 'collateral_expired',
    })
  })

  test('unknown evidence is malformed, and every error code has a stable number', () => {
    assert.throws(() => verifyAttestation({ kind: 'sev' } as unknown as AttestationEvidence, { now: 0, trustedRootFingerprints: [], policy: { maxAgeMs: 1 }, signingKey: new Uint8Array(33) }), (e: unknown) =>
      e instanceof AttestationError && e.code === 'malformed_document' && /unknown evidence kind sev/.test(e.message),
    )
    assert.equal(ATTESTATION_ERROR_CODES.indexOf('malformed_document') + 1, 1)
    assert.equal(ATTESTATION_ERROR_CODES.indexOf('nonce_mismatch') + 1, 17)
    assert.equal(new Set(ATTESTATION_ERROR_CODES).size, ATTESTATION_ERROR_CODES.length)
  })
})
