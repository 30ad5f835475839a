/**
 * secp256k1.ts for browsers: the same operations with @noble/curves (audited pure JS, no
 * native code, no `node:` modules), the same results (RFC 6979 signatures are deterministic,
 * so both give the same bytes), and the same thrown-or-false behaviour for bad input.
 * package.json's `browser` field puts this file in place of secp256k1.ts in browser bundles.
 */
import { secp256k1 as curve } from '@noble/curves/secp256k1'
import type { Secp256k1Backend } from './secp256k1.ts'

const N = curve.CURVE.n

function bytesToBigint(bytes: Uint8Array): bigint {
  let n = 0n
  for (const b of bytes) n = (n << 8n) | BigInt(b)
  return n
}

function scalarBytes(n: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 31; i >= 0; i--, n >>= 8n) out[i] = Number(n & 0xffn)
  return out
}

function expectLength(what: string, bytes: Uint8Array, ...lengths: number[]): void {
  if (!(bytes instanceof Uint8Array) || !lengths.includes(bytes.length)) throw new Error(`Expected ${what} to be an Uint8Array with length ${lengths.join(' or ')}`)
}

/** r and s of a 64-byte compact signature, as libsecp256k1 parses it (each below n; zero parses). */
function parseCompact(signature: Uint8Array): { r: bigint; s: bigint } {
  expectLength('signature', signature, 64)
  const r = bytesToBigint(signature.subarray(0, 32))
  const s = bytesToBigint(signature.subarray(32, 64))
  if (r >= N || s >= N) throw new Error('Signature could not be parsed')
  return { r, s }
}

function point(publicKey: Uint8Array) {
  expectLength('public key', publicKey, 33, 65)
  return curve.ProjectivePoint.fromHex(publicKey)
}

export const secp256k1: Secp256k1Backend = {
  privateKeyVerify(privateKey) {
    expectLength('private key', privateKey, 32)
    return curve.utils.isValidPrivateKey(privateKey)
  },
  publicKeyVerify(publicKey) {
    expectLength('public key', publicKey, 33, 65)
    try {
      point(publicKey).assertValidity()
      return true
    } catch {
      return false
    }
  },
  publicKeyCreate(privateKey, compressed = true) {
    expectLength('private key', privateKey, 32)
    return curve.getPublicKey(privateKey, compressed)
  },
  publicKeyConvert(publicKey, compressed = true) {
    return point(publicKey).toRawBytes(compressed)
  },
  ecdsaSign(digest, privateKey) {
    expectLength('message', digest, 32)
    expectLength('private key', privateKey, 32)
    const sig = curve.sign(digest, privateKey, { lowS: true })
    return { signature: sig.toCompactRawBytes(), recid: sig.recovery }
  },
  signatureNormalize(signature) {
    const { s } = parseCompact(signature)
    if (s > N >> 1n) signature.set(scalarBytes(N - s), 32)
    return signature
  },
  ecdsaRecover(signature, recid, digest, compressed = true) {
    expectLength('message', digest, 32)
    const { r, s } = parseCompact(signature)
    if (!Number.isInteger(recid) || recid < 0 || recid > 3) throw new Error('Expected recovery id to be an integer between 0 and 3')
    try {
      return new curve.Signature(r, s).addRecoveryBit(recid).recoverPublicKey(digest).toRawBytes(compressed)
    } catch {
      throw new Error('Public key could not be recovered')
    }
  },
  ecdsaVerify(signature, digest, publicKey) {
    expectLength('message', digest, 32)
    const { r, s } = parseCompact(signature)
    const key = point(publicKey)
    if (r === 0n || s === 0n) return false
    return curve.verify(signature.subarray(0, 64), digest, key.toRawBytes(true), { lowS: true, prehash: false, format: 'compact' })
  },
}
