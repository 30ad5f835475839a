/**
 * HPKE (RFC 9180) key pairs of nodes: the public half is bound into the node's attestation
 * (see keyBinding.ts) so that clients encrypt only to a key that an attested enclave holds.
 * Suites: DHKEM(X25519, HKDF-SHA256) or DHKEM(P-256, HKDF-SHA256), each with HKDF-SHA256 and
 * AES-128-GCM, the pairing RFC 9458 (Oblivious HTTP) uses.
 */
import { inspect } from 'node:util'
import { Aes128Gcm, CipherSuite, DhkemP256HkdfSha256, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core'
import { BaseError } from '../core/errors.ts'

export type HpkeKem = 'x25519' | 'p256'

/** KEM ids from RFC 9180 §7.1, and the sizes of their serialised public keys. */
export const HPKE_KEMS = {
  x25519: { id: 0x0020, publicKeySize: 32 },
  p256: { id: 0x0010, publicKeySize: 65 },
} as const
export const HPKE_KDF_ID = 0x0001 // HKDF-SHA256
export const HPKE_AEAD_ID = 0x0001 // AES-128-GCM

export class HpkeError extends BaseError {
  override name = 'HpkeError' as const
  constructor({ reason, code = 'hpke_failed', cause }: { reason: string; code?: 'hpke_failed' | 'hpke_malformed' | 'hpke_open_failed'; cause?: unknown }) {
    super(`HPKE: ${reason}`, { code, cause })
  }
}

const suites: Partial<Record<HpkeKem, CipherSuite>> = {}

/** The cipher suite of a KEM (memoised: suites are stateless). */
export function hpkeSuite(kem: HpkeKem): CipherSuite {
  suites[kem] ??= new CipherSuite({
    kem: kem === 'x25519' ? new DhkemX25519HkdfSha256() : new DhkemP256HkdfSha256(),
    kdf: new HkdfSha256(),
    aead: new Aes128Gcm(),
  })
  return suites[kem]
}

/** Which KEM a serialised public key belongs to, by its length. */
export function hpkeKemOfPublicKey(publicKey: Uint8Array): HpkeKem {
  if (publicKey.length === HPKE_KEMS.x25519.publicKeySize) return 'x25519'
  if (publicKey.length === HPKE_KEMS.p256.publicKeySize && publicKey[0] === 0x04) return 'p256'
  throw new HpkeError({ reason: `no supported KEM has ${publicKey.length}-byte public keys`, code: 'hpke_malformed' })
}

type KeyPair = Awaited<ReturnType<CipherSuite['kem']['generateKeyPair']>>

/**
 * A node's HPKE key pair. The private key stays inside this object (hidden from logs) unless
 * `exportPrivateKey` is called to store it.
 */
export class HpkeKeyPair {
  readonly kem: HpkeKem
  /** Serialised public key: what is bound in the attestation and given to clients. */
  readonly publicKey: Uint8Array
  readonly #keyPair: KeyPair

  private constructor(kem: HpkeKem, publicKey: Uint8Array, keyPair: KeyPair) {
    this.kem = kem
    this.publicKey = publicKey
    this.#keyPair = keyPair
  }

  /**
   * @example
   * const hpke = await HpkeKeyPair.generate()
   * const userData = attestationBindingDigest({ signingKey, hpkePublicKey: hpke.publicKey })
   */
  static async generate(kem: HpkeKem = 'x25519'): Promise<HpkeKeyPair> {
    const suite = hpkeSuite(kem)
    const keyPair = await suite.kem.generateKeyPair()
    return new HpkeKeyPair(kem, new Uint8Array(await suite.kem.serializePublicKey(keyPair.publicKey)), keyPair)
  }

  /** Restores a key pair from `exportPrivateKey`'s bytes. */
  static async fromPrivateKey(privateKey: Uint8Array, kem: HpkeKem = 'x25519'): Promise<HpkeKeyPair> {
    const suite = hpkeSuite(kem)
    try {
      // Deriving the public key from a private one goes through the KEM's own import.
      const sk = await suite.kem.deserializePrivateKey(privateKey)
      const jwk = (await (globalThis.crypto.subtle.exportKey('jwk', sk) as Promise<{ d?: string } & Record<string, unknown>>))
      const { d: _d, key_ops: _ops, ...publicJwk } = jwk
      const pk = await suite.kem.importKey('jwk', publicJwk, true)
      return new HpkeKeyPair(kem, new Uint8Array(await suite.kem.serializePublicKey(pk)), { privateKey: sk, publicKey: pk })
    } catch (cause) {
      throw new HpkeError({ reason: `not a ${kem} private key`, code: 'hpke_malformed', cause })
    }
  }

  /** The private key's bytes, for the node's key file. Secret. */
  async exportPrivateKey(): Promise<Uint8Array> {
    return new Uint8Array(await hpkeSuite(this.kem).kem.serializePrivateKey(this.#keyPair.privateKey))
  }

  /** For openRequest; module-internal. */
  keyPair(): KeyPair {
    return this.#keyPair
  }

  toJSON(): { kem: HpkeKem; publicKey: string } {
    return { kem: this.kem, publicKey: Buffer.from(this.publicKey).toString('hex') }
  }

  [inspect.custom](): string {
    return `HpkeKeyPair { kem: '${this.kem}', publicKey: '${Buffer.from(this.publicKey).toString('hex')}' }`
  }
}
