/**
 * The dev root CA of one development network: a self-signed P-384 certificate whose SHA-256
 * fingerprint the network's genesis names as a trusted attestation root. Its private key
 * signs the simulated enclaves' intermediates; it is held in memory only inside this class
 * and is hidden from console.log, util.inspect and JSON.stringify.
 */
import { X509Certificate } from 'node:crypto'
import { inspect } from 'node:util'
import { type Hex } from '../core/bytes.ts'
import { BaseError } from '../core/errors.ts'
import {
  type DevKeyPair,
  createDevCertificate,
  exportPkcs8,
  exportSpki,
  generateP384KeyPair,
  importP384PrivateKey,
} from './devCertificates.ts'
import { certificateFingerprint } from './trustAnchors.ts'

export class InvalidDevRootError extends BaseError {
  override name = 'InvalidDevRootError' as const
  constructor({ reason }: { reason: string }) {
    super(`dev root is invalid: ${reason}`, { code: 'invalid_dev_root' })
  }
}

export type GenerateDevRootParameters = {
  /** Distinguished name; default "CN=haca dev attestation root". */
  subject?: string
  /** Start of validity; default now. */
  notBefore?: Date
  /** Lifetime in days; default 3650. */
  validityDays?: number
}

const DAY_MS = 86_400_000

export class DevRoot {
  /** DER of the self-signed root certificate. */
  readonly certificateDer: Uint8Array
  /** SHA-256 of the DER; what genesis lists among trusted attestation roots. */
  readonly fingerprint: Hex
  readonly subject: string
  readonly #keys: DevKeyPair

  private constructor(certificateDer: Uint8Array, keys: DevKeyPair) {
    this.certificateDer = certificateDer
    this.fingerprint = certificateFingerprint(certificateDer)
    this.#keys = keys
    this.subject = new X509Certificate(certificateDer).subject.split('\n').join(', ')
  }

  /**
   * Generates a new root key and self-signed certificate.
   *
   * @example
   * const root = await DevRoot.generate()
   * genesis.trustedAttestationRoots.push(root.fingerprint)
   */
  static async generate({ subject = 'CN=haca dev attestation root', notBefore = new Date(), validityDays = 3650 }: GenerateDevRootParameters = {}): Promise<DevRoot> {
    const keys = await generateP384KeyPair()
    const der = await createDevCertificate(
      { subject, notBefore, notAfter: new Date(notBefore.getTime() + validityDays * DAY_MS), publicKey: keys.publicKey, ca: {} },
      keys,
    )
    return new DevRoot(der, keys)
  }

  /**
   * Loads a root from the PEM text written by `toPem` (a CERTIFICATE and a PRIVATE KEY block).
   * Checks that the key belongs to the certificate.
   */
  static async fromPem(pem: string): Promise<DevRoot> {
    const certificate = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem)?.[1]
    const privateKey = /-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----/.exec(pem)?.[1]
    if (!certificate || !privateKey) throw new InvalidDevRootError({ reason: 'expected a CERTIFICATE and a PRIVATE KEY block' })
    const der = new Uint8Array(Buffer.from(certificate.replace(/\s+/g, ''), 'base64'))
    let cert: X509Certificate
    let keys: DevKeyPair
    try {
      cert = new X509Certificate(der)
      keys = await importP384PrivateKey(new Uint8Array(Buffer.from(privateKey.replace(/\s+/g, ''), 'base64')))
    } catch (cause) {
      throw new InvalidDevRootError({ reason: `cannot parse: ${(cause as Error).message}` })
    }
    if (!cert.ca || !cert.checkIssued(cert) || !cert.verify(cert.publicKey)) {
      throw new InvalidDevRootError({ reason: 'certificate is not a self-signed CA' })
    }
    const root = new DevRoot(der, keys)
    // The key must be the certificate's: compare the public halves.
    const spki = await exportSpki(keys.publicKey)
    if (Buffer.compare(spki, cert.publicKey.export({ type: 'spki', format: 'der' })) !== 0) {
      throw new InvalidDevRootError({ reason: 'private key does not match the certificate' })
    }
    return root
  }

  /** PEM text holding the certificate and the private key. Secret: write it to a 0600 file only. */
  async toPem(): Promise<string> {
    const wrap = (label: string, der: Uint8Array): string =>
      `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`
    return wrap('CERTIFICATE', this.certificateDer) + wrap('PRIVATE KEY', await exportPkcs8(this.#keys.privateKey))
  }

  /** PEM of the certificate alone (public). */
  certificatePem(): string {
    return new X509Certificate(this.certificateDer).toString()
  }

  /** For issuing intermediates; module-internal use by SimulatedEnclave. */
  signingKeys(): DevKeyPair {
    return this.#keys
  }

  toJSON(): { fingerprint: Hex; subject: string } {
    return { fingerprint: this.fingerprint, subject: this.subject }
  }

  [inspect.custom](): string {
    return `DevRoot { fingerprint: '${this.fingerprint}' }`
  }
}
