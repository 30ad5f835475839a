/**
 * How a node's keys are bound to its attestation. A node holds a secp256k1 signing key
 * (receipts, attested answers) and an HPKE key (encrypted requests); the enclave puts a digest
 * of both into the part of the attestation that its hardware signs:
 *
 *   binding = sha256("haca/attestation-binding/v1" ‖ u16(len sk) ‖ sk ‖ u16(len hpke) ‖ hpke)
 *
 * (hpke may be empty for a node without one). Nitro: `public_key` = sk, `user_data` = binding,
 * `nonce` = the nonce. TDX/SGX (64 bytes of report data, no nonce field):
 * `report_data` = binding ‖ sha256(nonce). The domain tag and length prefixes keep the
 * digest from meaning anything else; hashing the nonce gives any nonce a fixed size.
 */
import { concatBytes, utf8 } from '../core/bytes.ts'
import { sha256 } from '../core/hash.ts'

const BINDING_DOMAIN = utf8('haca/attestation-binding/v1')

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  if (bytes.length > 0xffff) throw new RangeError('key too long to bind')
  return concatBytes(new Uint8Array([bytes.length >> 8, bytes.length & 0xff]), bytes)
}

export type AttestationBindingParameters = {
  /** Node signing key: compressed secp256k1 public key (33 bytes). */
  signingKey: Uint8Array
  /** Serialised HPKE public key (32 bytes X25519, 65 bytes P-256); absent when the node has none. */
  hpkePublicKey?: Uint8Array
}

/**
 * The 32-byte digest that binds a node's signing key and HPKE key to an attestation.
 *
 * @example
 * const userData = attestationBindingDigest({ signingKey, hpkePublicKey })
 */
export function attestationBindingDigest({ signingKey, hpkePublicKey }: AttestationBindingParameters): Uint8Array {
  return sha256(concatBytes(BINDING_DOMAIN, lengthPrefixed(signingKey), lengthPrefixed(hpkePublicKey ?? new Uint8Array(0))))
}

/**
 * The 64 bytes a TDX/SGX enclave passes as report data: binding digest ‖ sha256(nonce).
 *
 * @example
 * const reportData = dcapReportData({ signingKey, hpkePublicKey, nonce: blockHash })
 */
export function dcapReportData({ nonce, ...keys }: AttestationBindingParameters & { nonce: Uint8Array }): Uint8Array {
  return concatBytes(attestationBindingDigest(keys), sha256(nonce))
}
