/**
 * Ethereum-style secp256k1 accounts: 32-byte private keys, 0x addresses (last 20 bytes of the
 * keccak256 of the uncompressed public key), and 65-byte recoverable signatures (r ‖ s ‖ v).
 * The curve operations come from secp256k1.ts: libsecp256k1's native bindings in Node,
 * @noble/curves in browser bundles (see that file); this file is the same for both.
 */
import { BaseError } from './errors.ts'
import { type Hex, equalBytes, fromHex, latin1String, toHex } from './bytes.ts'
import { keccak256 } from './hash.ts'
import { secp256k1 } from './secp256k1.ts'

export { secp256k1 }

export type Address = Hex

export class InvalidPrivateKeyError extends BaseError {
  override name = 'InvalidPrivateKeyError' as const
  constructor() {
    super('private key is not a valid secp256k1 scalar (32 bytes, non-zero, below the curve order)', {
      code: 'invalid_private_key',
    })
  }
}

export class InvalidAddressError extends BaseError {
  override name = 'InvalidAddressError' as const
  constructor({ value }: { value: string }) {
    super(`"${value}" is not an address (0x followed by 40 hex digits)`, { code: 'invalid_address' })
  }
}

export function generatePrivateKey(): Uint8Array {
  for (;;) {
    // Web Crypto's generator: the same CSPRNG as node:crypto's randomBytes, and present in browsers too.
    const key = globalThis.crypto.getRandomValues(new Uint8Array(32))
    if (secp256k1.privateKeyVerify(key)) return key
  }
}

export function privateKeyFromHex(hex: string): Uint8Array {
  let key: Uint8Array
  try {
    // A copy of its own: fromHex's result lies in Buffer's shared pool, beside unrelated data.
    key = new Uint8Array(fromHex(hex.trim(), 32))
  } catch {
    throw new InvalidPrivateKeyError()
  }
  if (!secp256k1.privateKeyVerify(key)) throw new InvalidPrivateKeyError()
  return key
}

/** Compressed (33-byte) public key. */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  return secp256k1.publicKeyCreate(privateKey, true)
}

// Senders repeat: remembering their addresses saves a key decompression and a keccak per signature.
const addressCache = new Map<string, Address>()
const ADDRESS_CACHE_LIMIT = 100_000

export function addressOfPublicKey(publicKey: Uint8Array): Address {
  const key = latin1String(publicKey)
  const cached = addressCache.get(key)
  if (cached) return cached
  const uncompressed = publicKey.length === 65 ? publicKey : secp256k1.publicKeyConvert(publicKey, false)
  const address = toHex(keccak256(uncompressed.subarray(1)).subarray(12))
  if (addressCache.size >= ADDRESS_CACHE_LIMIT) addressCache.clear()
  addressCache.set(key, address)
  return address
}

export function addressOf(privateKey: Uint8Array): Address {
  return addressOfPublicKey(secp256k1.publicKeyCreate(privateKey, false))
}

const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/

/** Accepts any case (checksummed or not); returns lower case. */
export function parseAddress(value: string): Address {
  if (typeof value !== 'string' || !ADDRESS_RE.test(value)) throw new InvalidAddressError({ value: String(value) })
  return value.toLowerCase() as Address
}

/** Signs a 32-byte digest; returns r ‖ s ‖ v (v in {0,1}), low-s as libsecp256k1 always produces. */
export function signDigest(digest: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const { signature, recid } = secp256k1.ecdsaSign(digest, privateKey)
  const out = new Uint8Array(65)
  out.set(signature, 0)
  out[64] = recid
  return out
}

/**
 * Recovers the compressed public key that made `signature` over `digest`, or null when the
 * signature is malformed, high-s (a second encoding of the same signature), or recovers nothing.
 */
export function recoverPublicKey(digest: Uint8Array, signature: Uint8Array): Uint8Array | null {
  if (signature.length !== 65) return null
  const recid = signature[64]
  if (recid !== 0 && recid !== 1) return null
  const rs = signature.subarray(0, 64)
  try {
    // signatureNormalize changes its argument (a copy here); a changed value means s was high.
    const normalized = secp256k1.signatureNormalize(new Uint8Array(rs))
    if (!equalBytes(normalized, rs)) return null
    return secp256k1.ecdsaRecover(rs, recid, digest, true)
  } catch {
    return null
  }
}

export function recoverAddress(digest: Uint8Array, signature: Uint8Array): Address | null {
  const pub = recoverPublicKey(digest, signature)
  return pub ? addressOfPublicKey(pub) : null
}

/** Verifies a 64- or 65-byte signature against a known public key (33 or 65 bytes). */
export function verifyDigest(digest: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return secp256k1.ecdsaVerify(signature.subarray(0, 64), digest, publicKey)
  } catch {
    return false
  }
}
