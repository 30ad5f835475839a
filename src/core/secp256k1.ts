/**
 * The secp256k1 operations keys.ts builds on, in Node: libsecp256k1 through the `secp256k1`
 * package's native bindings, loaded directly (the pure-JS fallback that package would silently
 * use is ~20x slower, so a missing binding fails loudly instead). These are the bindings
 * themselves, not a wrapper: the hot paths (receipt signing, settlement's recoveries) pay
 * nothing for the indirection.
 *
 * Browsers get `secp256k1.browser.ts` (@noble/curves) instead, with the same interface and
 * the same results: package.json's `browser` field maps this file to that one for bundlers
 * (esbuild, Vite, webpack, Rollup); Node and tsx never read that field.
 */
import { createRequire } from 'node:module'

/** The subset of the `secp256k1` package's API that haca uses; both implementations provide it. */
export type Secp256k1Backend = {
  /** A 32-byte scalar in [1, n). */
  privateKeyVerify(privateKey: Uint8Array): boolean
  /** A valid point, compressed (33 bytes) or uncompressed (65 bytes). */
  publicKeyVerify(publicKey: Uint8Array): boolean
  /** Throws for an invalid private key. */
  publicKeyCreate(privateKey: Uint8Array, compressed?: boolean): Uint8Array
  /** Throws for an invalid public key. */
  publicKeyConvert(publicKey: Uint8Array, compressed?: boolean): Uint8Array
  /** Deterministic (RFC 6979), low-s; `signature` is r ‖ s. Throws for a bad key or a digest that is not 32 bytes. */
  ecdsaSign(digest: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number }
  /** Makes s low in `signature` (r ‖ s) itself and returns it. Throws when r or s is not below the curve order. */
  signatureNormalize(signature: Uint8Array): Uint8Array
  /** Throws when nothing can be recovered. */
  ecdsaRecover(signature: Uint8Array, recid: number, digest: Uint8Array, compressed?: boolean): Uint8Array
  /** False for a high-s signature (it is another encoding of a valid one). Throws for malformed input. */
  ecdsaVerify(signature: Uint8Array, digest: Uint8Array, publicKey: Uint8Array): boolean
}

const require = createRequire(import.meta.url)
export const secp256k1: Secp256k1Backend = require('secp256k1/bindings')
