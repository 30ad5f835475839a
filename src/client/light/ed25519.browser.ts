/**
 * ed25519.ts for browsers: the same check over @noble/curves (no node:crypto). RFC 8032 rules
 * (zip215: false), as OpenSSL applies in Node, so both builds accept the same signatures.
 */
import { ed25519 } from '@noble/curves/ed25519'

export type Ed25519Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean

export const ed25519Verify: Ed25519Verify = (publicKey, message, signature) => {
  if (publicKey.length !== 32 || signature.length !== 64) return false
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false })
  } catch {
    return false
  }
}
