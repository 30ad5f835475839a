/**
 * verifyNitroDocumentAsync (WebCrypto) against verifyNitroDocument (node:crypto, the
 * reference): on real AWS documents, simulated-enclave documents and tampered copies of both,
 * the two must agree on the verdict, the error code and the message.
 */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { before, describe, test } from 'node:test'
import { cborDecoder } from './cose.ts'
import { ecdsaDerToRaw } from './der.ts'
import { DevRoot } from './devRoot.ts'
import { type VerifyNitroDocumentParameters } from './nitroDocument.ts'
import { SimulatedEnclave } from './simulatedEnclave.ts'
import { AWS_NITRO_ROOT_G1_FINGERPRINT } from './trustAnchors.ts'
import { verifyNitroDocument } from './verifyNitroDocument.ts'
import { verifyNitroDocumentAsync } from './verifyNitroDocumentAsync.ts'
import { verifyAttestation } from './verifyAttestation.ts'
import { verifyNitroAttestationAsync } from './verifyNitroAttestationAsync.ts'
import { simulatedEnclavePcrs } from './simulatedEnclave.ts'

const document = (name: string): Uint8Array =>
  new Uint8Array(Buffer.from(readFileSync(new URL(`../../test/fixtures/tee/nitro/${name}`, import.meta.url), 'utf8').trim(), 'base64'))

const VALID = document('nitro_attestation.b64')
const VALID_AT = Date.parse('2024-09-07T14:37:39.545Z')
const DEBUG = document('nitro_attestation_debug.b64')
const DEBUG_AT = Date.parse('2024-09-07T14:38:06.508Z')
const SELF_SIGNED = document('selfsigned_attestation.b64')
const SELF_SIGNED_AT = Date.parse('2024-04-17T18:51:46Z')
const AWS = [AWS_NITRO_ROOT_G1_FINGERPRINT]
const T0 = Date.parse('2026-01-01T00:00:00Z')
const HOUR = 3_600_000

/** A verdict both verifiers can be compared on: the whole result, or the error's code and message. */
type Verdict = { accepted: unknown } | { code: string; message: string }

function verdictOfError(error: unknown): Verdict {
  const e = error as { code?: string; name?: string; message?: string }
  return { code: e.code ?? e.name ?? 'unknown', message: e.message ?? String(error) }
}

function nodeVerdict(doc: Uint8Array, params: VerifyNitroDocumentParameters): Verdict {
  try {
    return { accepted: verifyNitroDocument(doc, params) }
  } catch (error) {
    return verdictOfError(error)
  }
}

async function webVerdict(doc: Uint8Array, params: VerifyNitroDocumentParameters): Promise<Verdict> {
  try {
    return { accepted: await verifyNitroDocumentAsync(doc, params) }
  } catch (error) {
    return verdictOfError(error)
  }
}

async function assertSameVerdict(doc: Uint8Array, params: VerifyNitroDocumentParameters, expected: string, label: string): Promise<void> {
  const node = nodeVerdict(doc, params)
  assert.deepEqual(await webVerdict(doc, params), node, label)
  assert.equal('accepted' in node ? 'accepted' : node.code, expected, label)
}

/** Where each certificate of a document lies in its bytes (start, end), to tamper with one. */
function certificateSpans(doc: Uint8Array): Array<[number, number]> {
  const payload = cborDecoder.decode((cborDecoder.decode(doc) as Uint8Array[])[2]) as Map<string, unknown>
  const ders = [...(payload.get('cabundle') as Uint8Array[]), payload.get('certificate') as Uint8Array]
  const hex = Buffer.from(doc).toString('hex')
  return ders.map((der) => {
    const start = hex.indexOf(Buffer.from(der).toString('hex')) / 2
    return [start, start + der.length]
  })
}

const flipped = (doc: Uint8Array, at: number, mask = 0x01): Uint8Array => {
  const copy = doc.slice()
  copy[at] ^= mask
  return copy
}

describe('verifyNitroDocumentAsync agrees with verifyNitroDocument', () => {
  test('real AWS documents: valid, debug, self-signed, at and away from their time', async () => {
    await assertSameVerdict(VALID, { now: VALID_AT, trustedRootFingerprints: AWS }, 'accepted', 'valid')
    await assertSameVerdict(VALID, { now: new Date(VALID_AT), trustedRootFingerprints: [AWS_NITRO_ROOT_G1_FINGERPRINT.slice(2).toUpperCase()] }, 'accepted', 'other spellings')
    await assertSameVerdict(DEBUG, { now: DEBUG_AT, trustedRootFingerprints: AWS }, 'accepted', 'debug')
    await assertSameVerdict(SELF_SIGNED, { now: SELF_SIGNED_AT, trustedRootFingerprints: AWS }, 'untrusted_root', 'self-signed')
    await assertSameVerdict(VALID, { now: VALID_AT, trustedRootFingerprints: [] }, 'untrusted_root', 'no trusted root')
    await assertSameVerdict(VALID, { now: VALID_AT + 86_400_000, trustedRootFingerprints: AWS }, 'certificate_expired', 'a day later')
    await assertSameVerdict(VALID, { now: VALID_AT - HOUR, trustedRootFingerprints: AWS }, 'certificate_expired', 'before the leaf')
    await assertSameVerdict(VALID, { now: Date.parse('2050-01-01T00:00:00Z'), trustedRootFingerprints: AWS }, 'certificate_expired', 'after the root')
    await assertSameVerdict(VALID.subarray(0, VALID.length - 1), { now: VALID_AT, trustedRootFingerprints: AWS }, 'malformed_document', 'truncated')
    await assertSameVerdict(new Uint8Array(64 * 1024), { now: VALID_AT, trustedRootFingerprints: AWS }, 'malformed_document', 'oversized')
  })

  test('an invalid time is a TypeError in both', async () => {
    assert.throws(() => verifyNitroDocument(VALID, { now: Number.NaN, trustedRootFingerprints: AWS }), TypeError)
    await assert.rejects(verifyNitroDocumentAsync(VALID, { now: Number.NaN, trustedRootFingerprints: AWS }), TypeError)
  })

  test('one flipped bit at every byte of the AWS document: the same verdict and code', async () => {
    // As verifyNitroDocument.test.ts: the low bit everywhere, the high bit at every 7th byte.
    const params = { now: VALID_AT, trustedRootFingerprints: AWS }
    const differ: string[] = []
    const codes = new Map<string, number>()
    for (let i = 0; i < VALID.length; i++) {
      for (const mask of i % 7 === 0 ? [0x01, 0x80] : [0x01]) {
        const tampered = flipped(VALID, i, mask)
        const node = nodeVerdict(tampered, params)
        const web = await webVerdict(tampered, params)
        assert.ok(!('accepted' in node) && !('accepted' in web), `byte ${i} ^ ${mask} accepted`)
        codes.set(node.code, (codes.get(node.code) ?? 0) + 1)
        if (web.code !== node.code) differ.push(`byte ${i} ^ 0x${mask.toString(16)}: node ${node.code}, web ${web.code}`)
      }
    }
    // Every kind of refusal is exercised, not only the first check.
    assert.deepEqual([...codes.keys()].sort(), ['bad_certificate_chain', 'bad_signature', 'malformed_document', 'untrusted_root'])
    assert.deepEqual(differ, [])
  })

  describe('simulated-enclave documents under a dev root', () => {
    let root: DevRoot
    let otherRoot: DevRoot
    let doc: Uint8Array
    let params: VerifyNitroDocumentParameters
    before(async () => {
      root = await DevRoot.generate({ notBefore: new Date(T0 - HOUR) })
      otherRoot = await DevRoot.generate({ notBefore: new Date(T0 - HOUR) })
      const enclave = new SimulatedEnclave({ root, clock: () => T0 })
      doc = await enclave.attest({ publicKey: new Uint8Array(33).fill(2), userData: new Uint8Array(32).fill(7), nonce: new Uint8Array(32).fill(4) })
      params = { now: T0 + 1000, trustedRootFingerprints: [root.fingerprint] }
    })

    test('genuine, expired, not yet valid, under another root', async () => {
      await assertSameVerdict(doc, params, 'accepted', 'genuine')
      await assertSameVerdict(doc, { ...params, now: T0 + 4 * HOUR }, 'certificate_expired', 'after the leaf expired')
      await assertSameVerdict(doc, { ...params, now: T0 - 2 * HOUR }, 'certificate_expired', 'before the root')
      await assertSameVerdict(doc, { ...params, trustedRootFingerprints: [otherRoot.fingerprint] }, 'untrusted_root', 'another dev root')
      await assertSameVerdict(doc, { ...params, trustedRootFingerprints: AWS }, 'untrusted_root', 'the AWS root')
    })

    test('a flipped byte in the payload, the signature, each certificate', async () => {
      const [root, intermediate, leaf] = certificateSpans(doc)
      const moduleIdAt = Buffer.from(doc).indexOf('haca-sim-')
      assert.ok(moduleIdAt > 0)
      await assertSameVerdict(flipped(doc, 0), params, 'malformed_document', 'COSE array header')
      await assertSameVerdict(flipped(doc, moduleIdAt + 9), params, 'bad_signature', 'payload: module id')
      await assertSameVerdict(flipped(doc, doc.length - 10), params, 'bad_signature', 'COSE signature')
      await assertSameVerdict(flipped(doc, root[0] + 100), params, 'untrusted_root', 'root certificate')
      // The last bytes of a certificate are its signature.
      await assertSameVerdict(flipped(doc, intermediate[1] - 5), params, 'bad_signature', 'intermediate certificate signature')
      await assertSameVerdict(flipped(doc, leaf[1] - 5), params, 'bad_signature', 'leaf certificate signature')
      await assertSameVerdict(flipped(doc, leaf[0] + 1, 0x80), params, 'bad_certificate_chain', 'leaf length')
    })

    test('with the policy: verifyNitroAttestationAsync answers as verifyAttestation does', async () => {
      const policyParams = { ...params, policy: { nitro: [simulatedEnclavePcrs()], maxAgeMs: 600_000 }, signingKey: new Uint8Array(33).fill(2), expectedNonce: new Uint8Array(32).fill(4) }
      const cases: Array<[string, typeof policyParams]> = [
        ['accepted', policyParams],
        ['nonce_mismatch', { ...policyParams, expectedNonce: new Uint8Array(32).fill(5) }],
        ['measurement_not_allowed', { ...policyParams, policy: { ...policyParams.policy, nitro: [simulatedEnclavePcrs('another image')] } }],
        ['attestation_expired', { ...policyParams, now: T0 + HOUR }],
        ['untrusted_root', { ...policyParams, trustedRootFingerprints: [otherRoot.fingerprint] }],
      ]
      for (const [expected, p] of cases) {
        let node: Verdict
        try {
          node = { accepted: verifyAttestation({ kind: 'nitro', document: doc }, p) }
        } catch (error) {
          node = verdictOfError(error)
        }
        let web: Verdict
        try {
          web = { accepted: await verifyNitroAttestationAsync(doc, p) }
        } catch (error) {
          web = verdictOfError(error)
        }
        assert.deepEqual(web, node, expected)
        assert.equal('accepted' in node ? 'accepted' : node.code, expected)
      }
    })

    test('one flipped bit at every byte: the same verdict and code', async () => {
      const differ: string[] = []
      for (let i = 0; i < doc.length; i++) {
        const tampered = flipped(doc, i, i % 7 === 0 ? 0x80 : 0x01)
        const node = nodeVerdict(tampered, params)
        const web = await webVerdict(tampered, params)
        assert.ok(!('accepted' in node) && !('accepted' in web), `byte ${i} accepted`)
        if (web.code !== node.code) differ.push(`byte ${i}: node ${node.code}, web ${web.code}`)
      }
      assert.deepEqual(differ, [])
    })
  })
})

describe('ecdsaDerToRaw', () => {
  test('takes the one DER encoding and refuses the others', () => {
    const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'))
    assert.deepEqual(ecdsaDerToRaw(hex('3006020101020102'), 2), hex('00010002'))
    assert.deepEqual(ecdsaDerToRaw(hex('300702020080020102'), 2), hex('00800002'))
    for (const bad of [
      '300702020001020102', // non-minimal r
      '3006020181020102', // negative r
      '3005020100020102'.slice(0, 14), // truncated
      '30810602010102010200'.slice(0, 20), // long-form length where short is due
      '300602010102010200', // trailing byte
      '3006020301010102', // wrong inner lengths
      '300702030100010201', // r longer than the curve
    ]) {
      assert.equal(ecdsaDerToRaw(hex(bad), 2), null, bad)
    }
  })
})
