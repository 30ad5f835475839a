/** `GET /v1/attestation`: a simulated-enclave document that binds the node's receipt-signing key. */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DevRoot } from '../src/attestation/devRoot.ts'
import { simulatedEnclavePcrs } from '../src/attestation/simulatedEnclave.ts'
import { verifyAttestation } from '../src/attestation/verifyAttestation.ts'
import { fromHex } from '../src/core/bytes.ts'
import { generatePrivateKey, publicKeyOf } from '../src/core/keys.ts'
import { createInferenceNode, type InferenceNode } from '../src/nodes/inference/node.ts'
import { simulatedAttestationSource } from '../src/nodes/inference/tee/attestationSource.ts'

let dir: string
let root: DevRoot
let tee: InferenceNode
let plain: InferenceNode
const key = generatePrivateKey()

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'haca-att-'))
  root = await DevRoot.generate()
  tee = await createInferenceNode({ privateKey: key, receiptDir: join(dir, 'a'), mode: 'tee', attestation: simulatedAttestationSource({ root, privateKey: key }) })
  plain = await createInferenceNode({ privateKey: generatePrivateKey(), receiptDir: join(dir, 'b') })
})

after(async () => {
  await tee?.close()
  await plain?.close()
  await rm(dir, { recursive: true, force: true })
})

test('the document verifies under the dev root, carries the nonce, and binds the signing key', async () => {
  const url = await tee.listen({ host: '127.0.0.1', port: 0 })
  const nonce = '0x' + 'ab'.repeat(32)
  const res = await fetch(`${url}/v1/attestation?nonce=${nonce}`)
  assert.equal(res.status, 200)
  const body = (await res.json()) as { kind: 'nitro'; document: string; signingKey: string; address: string; mode: string }
  assert.equal(body.address, tee.address)
  assert.equal(body.mode, 'tee')
  assert.deepEqual(fromHex(body.signingKey), publicKeyOf(key))
  const { pcr0, pcr1, pcr2 } = simulatedEnclavePcrs()
  const verified = verifyAttestation({ kind: 'nitro', document: new Uint8Array(Buffer.from(body.document, 'base64')) }, {
    now: Date.now(),
    trustedRootFingerprints: [root.fingerprint],
    policy: { nitro: [{ pcr0, pcr1, pcr2 }], maxAgeMs: 60_000 },
    signingKey: publicKeyOf(key),
    expectedNonce: fromHex(nonce),
  })
  assert.ok(verified)
  // Another key does not match the binding.
  assert.throws(() => verifyAttestation({ kind: 'nitro', document: new Uint8Array(Buffer.from(body.document, 'base64')) }, {
    now: Date.now(), trustedRootFingerprints: [root.fingerprint], policy: { nitro: [{ pcr0, pcr1, pcr2 }], maxAgeMs: 60_000 },
    signingKey: publicKeyOf(generatePrivateKey()), expectedNonce: fromHex(nonce),
  }))
  assert.equal((await fetch(`${url}/v1/attestation?nonce=zz`)).status, 400)
})

test('a node without a TEE answers 404', async () => {
  const url = await plain.listen({ host: '127.0.0.1', port: 0 })
  const res = await fetch(`${url}/v1/attestation?nonce=0x01`)
  assert.equal(res.status, 404)
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'no_attestation')
})
