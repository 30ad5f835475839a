import assert from 'node:assert/strict'
import { inspect } from 'node:util'
import { describe, test } from 'node:test'
import { utf8 } from '../core/bytes.ts'
import { openRequest, sealRequest } from './hpkeChannel.ts'
import { HpkeKeyPair } from './hpkeKeys.ts'

const decode = (b: Uint8Array): string => new TextDecoder().decode(b)

for (const kem of ['x25519', 'p256'] as const) {
  describe(`HPKE channel (${kem})`, () => {
    test('round trip: the node reads the request, the client reads the answer', async () => {
      const node = await HpkeKeyPair.generate(kem)
      const secret = 'what is the price of ETH? api-key=sk-very-secret'
      const { request, openResponse } = await sealRequest(node.publicKey, utf8(secret))
      assert.ok(!Buffer.from(request).includes(Buffer.from('sk-very-secret')), 'plaintext must not appear in the request bytes')
      const { body, sealResponse } = await openRequest(node, request)
      assert.equal(decode(body), secret)
      const response = sealResponse(utf8('3000 USD'))
      assert.ok(!Buffer.from(response).includes(Buffer.from('3000 USD')))
      assert.equal(decode(openResponse(response)), '3000 USD')
      // Each answer gets its own response nonce and key.
      const again = sealResponse(utf8('3000 USD'))
      assert.notDeepEqual(again, response)
      assert.equal(decode(openResponse(again)), '3000 USD')
    })

    test('a tampered request fails to open, at any byte', async () => {
      const node = await HpkeKeyPair.generate(kem)
      const { request } = await sealRequest(node.publicKey, utf8('body'))
      for (let i = 0; i < request.length; i++) {
        const tampered = request.slice()
        tampered[i] ^= 0x01
        await assert.rejects(openRequest(node, tampered), { name: 'HpkeError' }, `byte ${i}`)
      }
      await assert.rejects(openRequest(node, request.subarray(0, 10)), { code: 'hpke_malformed' })
    })

    test('a tampered response, or one for another request, fails to open', async () => {
      const node = await HpkeKeyPair.generate(kem)
      const first = await sealRequest(node.publicKey, utf8('one'))
      const second = await sealRequest(node.publicKey, utf8('two'))
      const { sealResponse } = await openRequest(node, first.request)
      const response = sealResponse(utf8('answer'))
      for (const i of [0, 5, 15, 16, response.length - 1]) {
        const tampered = response.slice()
        tampered[i] ^= 0x80
        assert.throws(() => first.openResponse(tampered), { code: 'hpke_open_failed' }, `byte ${i}`)
      }
      assert.throws(() => second.openResponse(response), { code: 'hpke_open_failed' })
      assert.throws(() => first.openResponse(response.subarray(0, 20)), { code: 'hpke_malformed' })
    })

    test('another node key cannot open the request', async () => {
      const node = await HpkeKeyPair.generate(kem)
      const other = await HpkeKeyPair.generate(kem)
      const { request } = await sealRequest(node.publicKey, utf8('body'))
      await assert.rejects(openRequest(other, request), { code: 'hpke_open_failed' })
    })

    test('the private key round-trips through its bytes and is hidden from logs', async () => {
      const node = await HpkeKeyPair.generate(kem)
      const privateKey = await node.exportPrivateKey()
      const restored = await HpkeKeyPair.fromPrivateKey(privateKey, kem)
      assert.deepEqual(restored.publicKey, node.publicKey)
      const { request, openResponse } = await sealRequest(node.publicKey, utf8('hi'))
      const { sealResponse } = await openRequest(restored, request)
      assert.equal(decode(openResponse(sealResponse(utf8('ok')))), 'ok')
      const shown = inspect(node, { showHidden: true, depth: 5 }) + JSON.stringify(node)
      assert.ok(!shown.includes(Buffer.from(privateKey).toString('hex')))
      assert.ok(!shown.includes(Buffer.from(privateKey).toString('base64url')))
    })
  })
}

test('a request for another suite is refused, and public keys of unknown size too', async () => {
  const x = await HpkeKeyPair.generate('x25519')
  const p = await HpkeKeyPair.generate('p256')
  const { request } = await sealRequest(x.publicKey, utf8('body'))
  await assert.rejects(openRequest(p, request), { code: 'hpke_malformed', message: /another cipher suite/ })
  await assert.rejects(sealRequest(new Uint8Array(33), utf8('body')), { code: 'hpke_malformed' })
  await assert.rejects(HpkeKeyPair.fromPrivateKey(new Uint8Array(5), 'p256'), { code: 'hpke_malformed' })
})
