/**
 * Trust anchors are named by the SHA-256 of their certificate's DER encoding. A verifier is
 * given the set of fingerprints it trusts (AWS's root in production, a network's dev root
 * where genesis allows it) and compares the root a document carries against that set, byte
 * for byte; the carried root is never trusted for what it says about itself.
 */
import { type Hex, toHex } from '../core/bytes.ts'
import { sha256 } from '../core/hash.ts'

/**
 * AWS Nitro Enclaves root certificate G1 (CN=aws.nitro-enclaves, valid 2019-10-28 to
 * 2049-10-28), as published by AWS; fingerprint checked against the PEM in the shared fixtures.
 */
export const AWS_NITRO_ROOT_G1_FINGERPRINT: Hex = '0x641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b'

/** SHA-256 of a certificate's DER bytes, as 0x-prefixed lower-case hex. */
export function certificateFingerprint(der: Uint8Array): Hex {
  return toHex(sha256(der))
}

/** Lower-cases and 0x-prefixes fingerprints so that callers may pass either spelling. */
export function normaliseFingerprint(fingerprint: string): Hex {
  const body = fingerprint.toLowerCase().replace(/^0x/, '').replace(/:/g, '')
  return `0x${body}`
}
