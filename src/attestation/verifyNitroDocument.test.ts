import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { X509Certificate } from 'node:crypto'
import { describe, test } from 'node:test'
import { assertPlainCbor } from './cose.ts'
import { AttestationError } from './errors.ts'
import { AWS_NITRO_ROOT_G1_FINGERPRINT, certificateFingerprint } from './trustAnchors.ts'
import { verifyNitroDocument } from './verifyNitroDocument.ts'
import { codeOf } from './codeOf.testing.ts'

const fixture = (name: string): Buffer => readFileSync(new URL(`../../test/fixtures/tee/nitro/${name}`, import.meta.url))
const document = (name: string): Uint8Array => new Uint8Array(Buffer.from(fixture(name).toString('utf8').trim(), 'base64'))

const VALID = document('nitro_attestation.b64')
const VALID_AT = Date.parse('2024-09-07T14:37:39.545Z')
const DEBUG = document('nitro_attestation_debug.b64')
const DEBUG_AT = Date.parse('2024-09-07T14:38:06.508Z')
const SELF_SIGNED = document('selfsigned_attestation.b64')
const SELF_SIGNED_AT = Date.parse('2024-04-17T18:51:46Z')
const AWS = { trustedRootFingerprints: [AWS_NITRO_ROOT_G1_FINGERPRINT] }


describe('verifyNitroDocument on real AWS documents', () => {
  test('the pinned fingerprint is the SHA-256 of the AWS Nitro root G1 DER', () => {
    const der = new X509Certificate(fixture('aws_nitro_root_g1.pem')).raw
    assert.equal(certificateFingerprint(der), AWS_NITRO_ROOT_G1_FINGERPRINT)
  })

  test('the valid document verifies at its time and yields its fields', () => {
    const att = verifyNitroDocument(VALID, { now: VALID_AT, ...AWS })
    assert.equal(att.kind, 'nitro')
    assert.equal(att.moduleId, 'i-0a22e5c5f24d22174-enc0191cceb4289903f')
    assert.equal(att.digest, 'SHA384')
    assert.equal(att.timestamp, VALID_AT)
    assert.equal(att.rootFingerprint, AWS_NITRO_ROOT_G1_FINGERPRINT)
    assert.equal(att.pcrs.size, 16)
    assert.equal(
      att.pcrs.get(0),
      '0xe72a46ca80a260fb044a125442f0c7e331813bcbaf9724d9f3857758992766f2d65710a27aa94ae3949dd54e7c9fe86a',
    )
    assert.equal(att.publicKey?.length, 1024)
    assert.equal(att.userData?.length, 1024)
    assert.equal(att.nonce?.length, 1024)
    // Also accepts a Date and an upper-case, colon-less fingerprint spelling.
    const again = verifyNitroDocument(VALID, { now: new Date(VALID_AT), trustedRootFingerprints: [AWS_NITRO_ROOT_G1_FINGERPRINT.slice(2).toUpperCase()] })
    assert.equal(again.moduleId, att.moduleId)
  })

  test('the valid document fails a day later, and before its leaf was issued', () => {
    assert.equal(codeOf(() => verifyNitroDocument(VALID, { now: VALID_AT + 86_400_000, ...AWS })), 'certificate_expired')
    assert.equal(codeOf(() => verifyNitroDocument(VALID, { now: VALID_AT - 3_600_000, ...AWS })), 'certificate_expired')
    assert.throws(() => verifyNitroDocument(VALID, { now: VALID_AT + 86_400_000, ...AWS }), /is not valid at 2024-09-08T14:37:39.545Z/)
  })

  test('the debug document verifies cryptographically; its PCR0 is all zeros', () => {
    const att = verifyNitroDocument(DEBUG, { now: DEBUG_AT, ...AWS })
    assert.match(att.pcrs.get(0) ?? '', /^0x0{96}$/)
  })

  test('the self-signed document is refused: its root is not AWS', () => {
    assert.equal(codeOf(() => verifyNitroDocument(SELF_SIGNED, { now: SELF_SIGNED_AT, ...AWS })), 'untrusted_root')
  })

  test('with no trusted root nothing verifies, and the error names the offered root', () => {
    assert.throws(
      () => verifyNitroDocument(VALID, { now: VALID_AT, trustedRootFingerprints: [] }),
      (e: AttestationError) => e.code === 'untrusted_root' && e.message.includes(AWS_NITRO_ROOT_G1_FINGERPRINT),
    )
  })

  test('one flipped bit at every byte position is refused', () => {
    // Flip the low bit everywhere and the high bit at every 7th byte: every position is
    // covered, and both "small" and "large" changes to length fields are exercised.
    const accepted: number[] = []
    for (let i = 0; i < VALID.length; i++) {
      for (const mask of i % 7 === 0 ? [0x01, 0x80] : [0x01]) {
        const tampered = VALID.slice()
        tampered[i] ^= mask
        if (codeOf(() => verifyNitroDocument(tampered, { now: VALID_AT, ...AWS })) === 'accepted') accepted.push(i)
      }
    }
    assert.deepEqual(accepted, [])
  })

  test('truncated or extended documents are refused as malformed', () => {
    assert.equal(codeOf(() => verifyNitroDocument(VALID.subarray(0, VALID.length - 1), { now: VALID_AT, ...AWS })), 'malformed_document')
    const longer = new Uint8Array(VALID.length + 1)
    longer.set(VALID)
    assert.equal(codeOf(() => verifyNitroDocument(longer, { now: VALID_AT, ...AWS })), 'malformed_document')
    assert.equal(codeOf(() => verifyNitroDocument(new Uint8Array(0), { now: VALID_AT, ...AWS })), 'malformed_document')
  })

  test('an invalid time is a programming error, not a verdict', () => {
    assert.throws(() => verifyNitroDocument(VALID, { now: Number.NaN, ...AWS }), TypeError)
  })
})

describe('assertPlainCbor keeps decoder extensions out of reach', () => {
  test('tags, indefinite lengths, lying counts and trailing bytes are refused; plain items pass', () => {
    const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'))
    // {1: -35}, [h'', {}, "a", 1.5], uint64
    for (const ok of ['a1013822', '8440a06161f93e00', '1b0000019191cceb59']) {
      assert.doesNotThrow(() => assertPlainCbor(hex(ok)), ok)
    }
    // Tag 18 only where allowed, only on top.
    assert.doesNotThrow(() => assertPlainCbor(hex('d28440a04040'), 18))
    for (const bad of [
      'd28440a04040', // tag 18 when none is allowed
      '81d81b83654572726f72', // tag 27 (object construction) inside an array
      'd81c80', // tag 28 (shared value)
      '9f01ff', // indefinite array
      '5f4101ff', // indefinite byte string
      '9bffffffffffffffff', // array claiming 2^64-1 items
      '5a00010000', // byte string longer than the input
      '0101', // trailing byte
      'ff', // lone break
      '1c', // reserved additional information
      '', // nothing
    ]) {
      assert.throws(() => assertPlainCbor(hex(bad)), { code: 'malformed_document' }, bad)
    }
    // Nesting deeper than 16.
    assert.throws(() => assertPlainCbor(hex(`${'81'.repeat(20)}01`)), /too deep/)
  })

  test('an oversized document is refused before parsing', () => {
    assert.equal(codeOf(() => verifyNitroDocument(new Uint8Array(64 * 1024), { now: VALID_AT, ...AWS })), 'malformed_document')
  })
})
