/**
 * Encrypted request/response to an attested node, after Oblivious HTTP (RFC 9458 §4.3-4.4):
 *
 *   request  = kem_id(2) ‖ kdf_id(2) ‖ aead_id(2) ‖ enc ‖ HPKE-base-mode ciphertext of the body
 *              with info = "haca/hpke-request/v1" ‖ 0x00 ‖ the 6 id bytes
 *   response = response_nonce(16) ‖ AES-128-GCM ciphertext of the answer, where
 *              secret = context.export("haca/hpke-response/v1", 16)
 *              prk    = HKDF-Extract(salt = enc ‖ response_nonce, secret)
 *              key    = HKDF-Expand(prk, "key", 16), nonce = HKDF-Expand(prk, "nonce", 12)
 *
 * The response key comes from the request's HPKE context, so only the client that made the
 * request can read the answer, and the node needs no key of the client's. A fresh random
 * response nonce gives every answer its own key.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { concatBytes, equalBytes, utf8 } from '../core/bytes.ts'
import { HPKE_AEAD_ID, HPKE_KDF_ID, HPKE_KEMS, HpkeError, type HpkeKem, type HpkeKeyPair, hpkeKemOfPublicKey, hpkeSuite } from './hpkeKeys.ts'

const REQUEST_LABEL = utf8('haca/hpke-request/v1')
const RESPONSE_LABEL = utf8('haca/hpke-response/v1')
const KEY_SIZE = 16 // AES-128-GCM Nk
const NONCE_SIZE = 12 // AES-128-GCM Nn
const RESPONSE_NONCE_SIZE = Math.max(KEY_SIZE, NONCE_SIZE)
const TAG_SIZE = 16
const HEADER_SIZE = 6

function header(kem: HpkeKem): Uint8Array {
  const h = new Uint8Array(HEADER_SIZE)
  const view = new DataView(h.buffer)
  view.setUint16(0, HPKE_KEMS[kem].id)
  view.setUint16(2, HPKE_KDF_ID)
  view.setUint16(4, HPKE_AEAD_ID)
  return h
}

function requestInfo(hdr: Uint8Array): Uint8Array {
  return concatBytes(REQUEST_LABEL, new Uint8Array([0]), hdr)
}

function responseKeyAndNonce(secret: Uint8Array, enc: Uint8Array, responseNonce: Uint8Array): { key: Buffer; nonce: Buffer } {
  const salt = concatBytes(enc, responseNonce)
  // hkdfSync is Extract-then-Expand, so each call is Expand(Extract(salt, secret), info, L).
  return {
    key: Buffer.from(hkdfSync('sha256', secret, salt, 'key', KEY_SIZE)),
    nonce: Buffer.from(hkdfSync('sha256', secret, salt, 'nonce', NONCE_SIZE)),
  }
}

function sealResponseWith(secret: Uint8Array, enc: Uint8Array, body: Uint8Array): Uint8Array {
  const responseNonce = randomBytes(RESPONSE_NONCE_SIZE)
  const { key, nonce } = responseKeyAndNonce(secret, enc, responseNonce)
  const cipher = createCipheriv('aes-128-gcm', key, nonce)
  const ct = Buffer.concat([cipher.update(body), cipher.final(), cipher.getAuthTag()])
  return concatBytes(responseNonce, ct)
}

function openResponseWith(secret: Uint8Array, enc: Uint8Array, response: Uint8Array): Uint8Array {
  if (response.length < RESPONSE_NONCE_SIZE + TAG_SIZE) throw new HpkeError({ reason: 'response too short', code: 'hpke_malformed' })
  const responseNonce = response.subarray(0, RESPONSE_NONCE_SIZE)
  const ct = response.subarray(RESPONSE_NONCE_SIZE, response.length - TAG_SIZE)
  const tag = response.subarray(response.length - TAG_SIZE)
  const { key, nonce } = responseKeyAndNonce(secret, enc, responseNonce)
  try {
    const decipher = createDecipheriv('aes-128-gcm', key, nonce)
    decipher.setAuthTag(tag)
    return new Uint8Array(Buffer.concat([decipher.update(ct), decipher.final()]))
  } catch (cause) {
    throw new HpkeError({ reason: 'response does not decrypt (tampered, or not for this request)', code: 'hpke_open_failed', cause })
  }
}

export type SealRequestReturnType = {
  /** Bytes to send as the request body. */
  request: Uint8Array
  /** Decrypts the node's encrypted answer to this request. */
  openResponse(response: Uint8Array): Uint8Array
}

/**
 * Client side: encrypts `body` to a node's attested HPKE public key.
 *
 * @example
 * const { request, openResponse } = await sealRequest(node.hpkePublicKey, utf8(JSON.stringify(body)))
 * const res = await fetch(url, { method: 'POST', body: request, headers: { 'content-type': 'application/haca-hpke' } })
 * const answer = openResponse(new Uint8Array(await res.arrayBuffer()))
 */
export async function sealRequest(recipientPublicKey: Uint8Array, body: Uint8Array): Promise<SealRequestReturnType> {
  const kem = hpkeKemOfPublicKey(recipientPublicKey)
  const suite = hpkeSuite(kem)
  const hdr = header(kem)
  let recipient
  try {
    recipient = await suite.kem.deserializePublicKey(recipientPublicKey)
  } catch (cause) {
    throw new HpkeError({ reason: 'recipient public key is not a valid point', code: 'hpke_malformed', cause })
  }
  const sender = await suite.createSenderContext({ recipientPublicKey: recipient, info: requestInfo(hdr) })
  const enc = new Uint8Array(sender.enc)
  const ciphertext = new Uint8Array(await sender.seal(body))
  const secret = new Uint8Array(await sender.export(RESPONSE_LABEL, KEY_SIZE))
  return {
    request: concatBytes(hdr, enc, ciphertext),
    openResponse: (response) => openResponseWith(secret, enc, response),
  }
}

export type OpenRequestReturnType = {
  /** The decrypted request body. */
  body: Uint8Array
  /** Encrypts the answer so that only the requester can read it. */
  sealResponse(body: Uint8Array): Uint8Array
}

/**
 * Node side: decrypts a request made by `sealRequest` with the node's HPKE key pair.
 *
 * @example
 * const { body, sealResponse } = await openRequest(nodeHpkeKey, requestBytes)
 * reply.send(sealResponse(utf8(JSON.stringify(answer))))
 */
export async function openRequest(keyPair: HpkeKeyPair, request: Uint8Array): Promise<OpenRequestReturnType> {
  const kem = keyPair.kem
  const hdr = header(kem)
  const encSize = HPKE_KEMS[kem].publicKeySize
  if (request.length >= HEADER_SIZE && !equalBytes(request.subarray(0, HEADER_SIZE), hdr)) {
    throw new HpkeError({ reason: 'request is for another cipher suite', code: 'hpke_malformed' })
  }
  if (request.length < HEADER_SIZE + encSize + TAG_SIZE) throw new HpkeError({ reason: 'request too short', code: 'hpke_malformed' })
  const enc = request.subarray(HEADER_SIZE, HEADER_SIZE + encSize)
  const ciphertext = request.subarray(HEADER_SIZE + encSize)
  const suite = hpkeSuite(kem)
  let body: Uint8Array
  let secret: Uint8Array
  try {
    const recipient = await suite.createRecipientContext({ recipientKey: keyPair.keyPair(), enc, info: requestInfo(hdr) })
    body = new Uint8Array(await recipient.open(ciphertext))
    secret = new Uint8Array(await recipient.export(RESPONSE_LABEL, KEY_SIZE))
  } catch (cause) {
    throw new HpkeError({ reason: 'request does not decrypt (tampered, or for another key)', code: 'hpke_open_failed', cause })
  }
  const encCopy = new Uint8Array(enc)
  return { body, sealResponse: (answer) => sealResponseWith(secret, encCopy, answer) }
}
