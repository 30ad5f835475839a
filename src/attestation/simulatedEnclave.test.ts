import assert from 'node:assert/strict'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { after, before, describe, test } from 'node:test'
import { toHex } from '../core/bytes.ts'
import { DevRoot } from './devRoot.ts'
import { readDevRootFile, writeDevRootFile } from './devRootFile.ts'
import { SimulatedEnclave, simulatedEnclavePcrs } from './simulatedEnclave.ts'
import { AWS_NITRO_ROOT_G1_FINGERPRINT } from './trustAnchors.ts'
import { verifyNitroDocument } from './verifyNitroDocument.ts'
import { codeOf } from './codeOf.testing.ts'

const T0 = Date.parse('2026-01-01T00:00:00Z')
const HOUR = 3_600_000


describe('SimulatedEnclave', () => {
  let root: DevRoot
  let dir: string
  before(async () => {
    root = await DevRoot.generate({ notBefore: new Date(T0 - HOUR) })
    dir = await mkdtemp(join(tmpdir(), 'haca-attestation-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test('emits Nitro documents that the Nitro verifier accepts under the dev root, with the given fields', async () => {
    let now = T0
    const enclave = new SimulatedEnclave({ root, clock: () => now, moduleId: 'haca-sim-test' })
    const publicKey = new Uint8Array(33).fill(2)
    const userData = new Uint8Array(32).fill(7)
    const nonce = new Uint8Array([1, 2, 3, 4])
    const doc = await enclave.attest({ publicKey, userData, nonce })
    now += 1000
    const att = verifyNitroDocument(doc, { now, trustedRootFingerprints: [root.fingerprint] })
    assert.equal(att.moduleId, 'haca-sim-test')
    assert.equal(att.timestamp, T0)
    assert.equal(att.rootFingerprint, root.fingerprint)
    assert.deepEqual(att.publicKey, publicKey)
    assert.deepEqual(att.userData, userData)
    assert.deepEqual(att.nonce, nonce)
    const pcrs = simulatedEnclavePcrs()
    assert.equal(att.pcrs.get(0), pcrs.pcr0)
    assert.equal(att.pcrs.get(1), pcrs.pcr1)
    assert.equal(att.pcrs.get(2), pcrs.pcr2)
    assert.notEqual(pcrs.pcr0, toHex(new Uint8Array(48)))
  })

  test('absent optional fields verify as null', async () => {
    const enclave = new SimulatedEnclave({ root, clock: () => T0 })
    const att = verifyNitroDocument(await enclave.attest(), { now: T0, trustedRootFingerprints: [root.fingerprint] })
    assert.equal(att.publicKey, null)
    assert.equal(att.userData, null)
    assert.equal(att.nonce, null)
  })

  test('its documents are refused under the AWS root, and under another dev root', async () => {
    const other = await DevRoot.generate({ notBefore: new Date(T0 - HOUR) })
    const doc = await new SimulatedEnclave({ root, clock: () => T0 }).attest()
    assert.equal(codeOf(() => verifyNitroDocument(doc, { now: T0, trustedRootFingerprints: [AWS_NITRO_ROOT_G1_FINGERPRINT] })), 'untrusted_root')
    assert.equal(codeOf(() => verifyNitroDocument(doc, { now: T0, trustedRootFingerprints: [other.fingerprint] })), 'untrusted_root')
  })

  test('leaves are short-lived: a document fails once its 3-hour leaf expires', async () => {
    const doc = await new SimulatedEnclave({ root, clock: () => T0 }).attest()
    assert.equal(codeOf(() => verifyNitroDocument(doc, { now: T0 + 2 * HOUR, trustedRootFingerprints: [root.fingerprint] })), 'accepted')
    assert.equal(codeOf(() => verifyNitroDocument(doc, { now: T0 + 4 * HOUR, trustedRootFingerprints: [root.fingerprint] })), 'certificate_expired')
  })

  test('the intermediate is renewed before it expires, and new documents keep verifying', async () => {
    let now = T0
    const enclave = new SimulatedEnclave({ root, clock: () => now, intermediateLifetimeMs: 10 * HOUR })
    const first = verifyNitroDocument(await enclave.attest(), { now, trustedRootFingerprints: [root.fingerprint] })
    now += 9 * HOUR
    const later = await enclave.attest()
    // Two hours on, the first intermediate (10 h) has expired; the document verifies only
    // because the enclave issued it under a renewed one.
    const att = verifyNitroDocument(later, { now: now + 2 * HOUR, trustedRootFingerprints: [root.fingerprint] })
    assert.equal(att.rootFingerprint, first.rootFingerprint)
  })

  test('a flipped byte in a simulated document is refused', async () => {
    const doc = await new SimulatedEnclave({ root, clock: () => T0 }).attest({ publicKey: new Uint8Array(33).fill(3) })
    const accepted: number[] = []
    for (let i = 0; i < doc.length; i += 3) {
      const tampered = doc.slice()
      tampered[i] ^= 0x01
      if (codeOf(() => verifyNitroDocument(tampered, { now: T0, trustedRootFingerprints: [root.fingerprint] })) === 'accepted') accepted.push(i)
    }
    assert.deepEqual(accepted, [])
  })

  test('refuses fields larger than a verifier accepts', async () => {
    await assert.rejects(new SimulatedEnclave({ root }).attest({ nonce: new Uint8Array(1025) }), /nonce is over 1024 bytes/)
  })

  test('rejects PCR values that are not 48 bytes', () => {
    assert.throws(() => new SimulatedEnclave({ root, pcrs: { pcr0: '0x01', pcr1: '0x02', pcr2: '0x03' } }), /48 bytes/)
  })
})

describe('DevRoot storage', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'haca-devroot-'))
  })
  after(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test('round-trips through a 0600 file and still signs documents the old fingerprint accepts', async () => {
    const root = await DevRoot.generate()
    const path = join(dir, 'attestation-dev-root.pem')
    await writeDevRootFile(path, root)
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    const loaded = await readDevRootFile(path)
    assert.equal(loaded.fingerprint, root.fingerprint)
    const doc = await new SimulatedEnclave({ root: loaded }).attest()
    assert.equal(verifyNitroDocument(doc, { now: Date.now(), trustedRootFingerprints: [root.fingerprint] }).rootFingerprint, root.fingerprint)
  })

  test('never overwrites an existing file', async () => {
    const path = join(dir, 'existing.pem')
    await writeFile(path, 'keep me')
    await assert.rejects(writeDevRootFile(path, await DevRoot.generate()), { code: 'dev_root_file', message: /already exists/ })
  })

  test('a missing file and a key that is not the certificate\'s are refused', async () => {
    await assert.rejects(readDevRootFile(join(dir, 'missing.pem')), { code: 'dev_root_file' })
    const a = await (await DevRoot.generate()).toPem()
    const b = await (await DevRoot.generate()).toPem()
    const mixed = a.slice(0, a.indexOf('-----BEGIN PRIVATE KEY')) + b.slice(b.indexOf('-----BEGIN PRIVATE KEY'))
    await assert.rejects(DevRoot.fromPem(mixed), { code: 'invalid_dev_root', message: /does not match/ })
    await assert.rejects(DevRoot.fromPem('nothing here'), { code: 'invalid_dev_root' })
  })

  test('the private key never shows in logs or JSON', async () => {
    const root = await DevRoot.generate()
    const pem = await root.toPem()
    const key = pem.slice(pem.indexOf('-----BEGIN PRIVATE KEY-----')).split('\n')[1]
    assert.ok(key.length > 20)
    const shown = inspect(root, { depth: 10, showHidden: true }) + JSON.stringify(root) + JSON.stringify({ root })
    assert.ok(!shown.includes(key))
    assert.ok(shown.includes(root.fingerprint))
  })
})
