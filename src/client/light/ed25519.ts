/**
 * Ed25519 signature checks for commit signatures, behind one small interface so the verifier
 * stays free of platform crypto.
 */
import crypto from 'node:crypto'

export type Ed25519Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean

// RFC 8410 SubjectPublicKeyInfo header for a raw 32-byte Ed25519 key.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

/**
 * node:crypto's Ed25519 (OpenSSL, RFC 8032); false for a malformed key or signature rather than
 * a throw. package.json's `browser` field swaps in ed25519.browser.ts (@noble/curves).
 */
export const ed25519Verify: Ed25519Verify = (publicKey, message, signature) => {
  if (publicKey.length !== 32 || signature.length !== 64) return false
  try {
    const key = crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
    return crypto.verify(null, message, key, signature)
  } catch {
    return false
  }
}
