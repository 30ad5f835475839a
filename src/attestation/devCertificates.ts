/**
 * P-384 certificates for the simulated enclave's dev PKI (root → intermediate → leaf), shaped
 * like AWS's: CA certificates with basicConstraints and keyCertSign, subject and authority key
 * identifiers, ES384 signatures. node:crypto cannot create certificates, hence @peculiar/x509
 * over WebCrypto.
 */
// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata
// polyfill loaded first; imports evaluate in order, so this line must stay above it.
import 'reflect-metadata'
import { randomBytes, webcrypto } from 'node:crypto'
import * as x509 from '@peculiar/x509'

export const ES384 = { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' } as const
type CryptoKey = webcrypto.CryptoKey
const subtle = webcrypto.subtle
// @peculiar/x509 is typed against the DOM's Crypto; Node's webcrypto is that same API.
const provider = webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.create>[1]

export type { CryptoKey }
export type DevKeyPair = { privateKey: CryptoKey; publicKey: CryptoKey }

export async function generateP384KeyPair(): Promise<DevKeyPair> {
  return (await subtle.generateKey(ES384, true, ['sign', 'verify'])) as DevKeyPair
}

export async function importP384PrivateKey(pkcs8: Uint8Array): Promise<DevKeyPair> {
  const privateKey = await subtle.importKey('pkcs8', pkcs8, ES384, true, ['sign'])
  // WebCrypto cannot derive a public key from a private one; go through a JWK without `d`.
  const { d: _d, ...publicJwk } = await subtle.exportKey('jwk', privateKey)
  const publicKey = await subtle.importKey('jwk', { ...publicJwk, key_ops: ['verify'] }, ES384, true, ['verify'])
  return { privateKey, publicKey }
}

export async function exportPkcs8(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await subtle.exportKey('pkcs8', key))
}

export async function exportSpki(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await subtle.exportKey('spki', key))
}

function serialNumber(): string {
  // Positive 16-byte serial: clear the top bit.
  const bytes = randomBytes(16)
  bytes[0] &= 0x7f
  return bytes.toString('hex')
}

export type CertificateSpec = {
  subject: string
  notBefore: Date
  notAfter: Date
  publicKey: CryptoKey
  /** Absent for a self-signed root. */
  issuer?: { name: x509.Name; keys: DevKeyPair }
  /** CA certificates sign others; `pathLength` limits how many CAs may follow. */
  ca?: { pathLength?: number }
}

/** The subject name of a DER certificate, byte for byte, to use as the issuer of the next one. */
export function subjectNameOf(der: Uint8Array): x509.Name {
  return new x509.X509Certificate(der).subjectName
}

/** Creates a certificate and returns its DER bytes. */
export async function createDevCertificate(spec: CertificateSpec, selfKeys?: DevKeyPair): Promise<Uint8Array> {
  const signer = spec.issuer?.keys ?? selfKeys
  if (!signer) throw new TypeError('createDevCertificate: a root needs its own key pair')
  const extensions: x509.Extension[] = [
    spec.ca
      ? new x509.BasicConstraintsExtension(true, spec.ca.pathLength, true)
      : new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      spec.ca ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(spec.publicKey, false, provider),
    await x509.AuthorityKeyIdentifierExtension.create(signer.publicKey, false, provider),
  ]
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: spec.subject,
      issuer: spec.issuer?.name ?? spec.subject,
      notBefore: spec.notBefore,
      notAfter: spec.notAfter,
      publicKey: spec.publicKey,
      signingKey: signer.privateKey,
      signingAlgorithm: ES384,
      extensions,
    },
    provider,
  )
  return new Uint8Array(cert.rawData)
}

/** Signs `data` with ES384 and returns the raw r ‖ s (96 bytes) that COSE wants. */
export async function signEs384(privateKey: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle.sign(ES384, privateKey, data))
}
