/**
 * Node registration with a simulated-enclave attestation, end to end within the attestation
 * module: a node makes its keys and a document over a nonce; a "full node" verifies the bytes
 * and the policy at block time as the ledger will; a client then talks to the node over HPKE
 * on real loopback HTTP, and the plaintext never crosses the wire.
 */
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import { type AddressInfo, createServer as createTcpServer, connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { utf8 } from '../src/core/bytes.ts'
import { generatePrivateKey, publicKeyOf } from '../src/core/keys.ts'
import { type AttestationPolicy, checkAttestationPolicy } from '../src/attestation/checkAttestationPolicy.ts'
import { DevRoot } from '../src/attestation/devRoot.ts'
import { readDevRootFile, writeDevRootFile } from '../src/attestation/devRootFile.ts'
import { AttestationError } from '../src/attestation/errors.ts'
import { openRequest, sealRequest } from '../src/attestation/hpkeChannel.ts'
import { HpkeKeyPair } from '../src/attestation/hpkeKeys.ts'
import { attestationBindingDigest } from '../src/attestation/keyBinding.ts'
import { SimulatedEnclave, simulatedEnclavePcrs } from '../src/attestation/simulatedEnclave.ts'
import { AWS_NITRO_ROOT_G1_FINGERPRINT } from '../src/attestation/trustAnchors.ts'
import { verifyNitroDocument } from '../src/attestation/verifyNitroDocument.ts'

const MINUTE = 60_000

/** What the ledger will do in FinalizeBlock with a register transaction. */
function verifyRegistration(
  tx: { document: Uint8Array; signingKey: Uint8Array; hpkePublicKey: Uint8Array },
  chain: { blockTime: number; nonce: Uint8Array; trustedRoots: string[]; policy: AttestationPolicy },
): string {
  try {
    const att = verifyNitroDocument(tx.document, { now: chain.blockTime, trustedRootFingerprints: chain.trustedRoots })
    checkAttestationPolicy(att, {
      policy: chain.policy,
      now: chain.blockTime,
      signingKey: tx.signingKey,
      hpkePublicKey: tx.hpkePublicKey,
      expectedNonce: chain.nonce,
    })
    return 'active'
  } catch (error) {
    if (error instanceof AttestationError) return error.code
    throw error
  }
}

describe('registration with a simulated enclave', () => {
  let home: string
  let genesisRoot: string
  const policy: AttestationPolicy = { nitro: [simulatedEnclavePcrs()], maxAgeMs: 10 * MINUTE }
  const nonce = utf8('hash of block 41')

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'haca-network-home-'))
    const root = await DevRoot.generate()
    await writeDevRootFile(join(home, 'attestation-dev-root.pem'), root)
    genesisRoot = root.fingerprint
  })
  after(async () => {
    await rm(home, { recursive: true, force: true })
  })

  async function node(options: { pcrs?: ReturnType<typeof simulatedEnclavePcrs>; clockSkewMs?: number } = {}) {
    const root = await readDevRootFile(join(home, 'attestation-dev-root.pem'))
    const signingKey = publicKeyOf(generatePrivateKey())
    const hpke = await HpkeKeyPair.generate()
    const enclave = new SimulatedEnclave({ root, pcrs: options.pcrs, clock: () => Date.now() + (options.clockSkewMs ?? 0) })
    const document = await enclave.attest({
      publicKey: signingKey,
      userData: attestationBindingDigest({ signingKey, hpkePublicKey: hpke.publicKey }),
      nonce,
    })
    return { signingKey, hpke, tx: { document, signingKey, hpkePublicKey: hpke.publicKey } }
  }

  test('a node with the allowed measurement, bound keys and the nonce becomes active', async () => {
    const { tx } = await node()
    assert.equal(verifyRegistration(tx, { blockTime: Date.now(), nonce, trustedRoots: [genesisRoot], policy }), 'active')
  })

  test('refusals name the check that failed', async () => {
    const good = (await node()).tx
    const now = Date.now()
    const chain = { blockTime: now, nonce, trustedRoots: [genesisRoot], policy }
    // A network whose genesis does not name the dev root (e.g. production: AWS only).
    assert.equal(verifyRegistration(good, { ...chain, trustedRoots: [AWS_NITRO_ROOT_G1_FINGERPRINT] }), 'untrusted_root')
    // Unknown measurement.
    const other = simulatedEnclavePcrs('some other image')
    assert.equal(verifyRegistration((await node({ pcrs: other })).tx, chain), 'measurement_not_allowed')
    // Expired: block time past the age limit (certificates still valid).
    assert.equal(verifyRegistration(good, { ...chain, blockTime: now + 11 * MINUTE }), 'attestation_expired')
    // Expired certificates: hours later.
    assert.equal(verifyRegistration(good, { ...chain, blockTime: now + 5 * 60 * MINUTE }), 'certificate_expired')
    // Tampered document: in the signature, and in the signed payload (the nonce's last byte).
    const badSignature = good.document.slice()
    badSignature[badSignature.length - 1] ^= 1
    assert.equal(verifyRegistration({ ...good, document: badSignature }, chain), 'bad_signature')
    const badPayload = good.document.slice()
    badPayload[badPayload.length - 96 - 3] ^= 1
    assert.equal(verifyRegistration({ ...good, document: badPayload }, chain), 'bad_signature')
    // A key that is not bound to the document.
    assert.equal(verifyRegistration({ ...good, signingKey: publicKeyOf(generatePrivateKey()) }, chain), 'key_not_bound')
    assert.equal(verifyRegistration({ ...good, hpkePublicKey: (await HpkeKeyPair.generate()).publicKey }, chain), 'key_not_bound')
    // A stale document replayed against a newer nonce.
    assert.equal(verifyRegistration(good, { ...chain, nonce: utf8('hash of block 99') }), 'nonce_mismatch')
  })

  test('over loopback HTTP, a client encrypts to the attested HPKE key and neither plaintext crosses the wire', async () => {
    const { hpke, tx } = await node()
    assert.equal(verifyRegistration(tx, { blockTime: Date.now(), nonce, trustedRoots: [genesisRoot], policy }), 'active')
    const question = 'prompt: my secret medical question'
    const answer = 'completion: the secret answer'

    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = []
      for await (const chunk of req) chunks.push(chunk as Buffer)
      const { body, sealResponse } = await openRequest(hpke, new Uint8Array(Buffer.concat(chunks)))
      assert.equal(new TextDecoder().decode(body), question)
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(sealResponse(utf8(answer)))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    // A TCP relay in front of the node records every byte that crosses the wire.
    const wire: Buffer[] = []
    const relay = createTcpServer((client) => {
      const upstream = connect((server.address() as AddressInfo).port, '127.0.0.1')
      client.on('data', (d) => { wire.push(d); upstream.write(d) })
      upstream.on('data', (d) => { wire.push(d); client.write(d) })
      client.on('end', () => upstream.end())
      upstream.on('end', () => client.end())
    })
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve))
    try {
      // The client takes the HPKE key from the registration it verified, not from the node.
      const { request, openResponse } = await sealRequest(tx.hpkePublicKey, utf8(question))
      const res = await fetch(`http://127.0.0.1:${(relay.address() as AddressInfo).port}/v1/chat/completions`, {
        method: 'POST',
        body: request,
        headers: { 'content-type': 'application/octet-stream', connection: 'close' },
      })
      assert.equal(res.status, 200)
      assert.equal(new TextDecoder().decode(openResponse(new Uint8Array(await res.arrayBuffer()))), answer)
      const seen = Buffer.concat(wire)
      assert.ok(seen.length > request.length, 'the relay saw the exchange')
      assert.ok(!seen.includes(Buffer.from('secret medical')), 'request plaintext crossed the wire')
      assert.ok(!seen.includes(Buffer.from('secret answer')), 'response plaintext crossed the wire')
    } finally {
      relay.close()
      server.close()
      server.closeAllConnections()
    }
  })
})
