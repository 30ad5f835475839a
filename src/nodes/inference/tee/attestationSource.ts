/**
 * Where the node's attestation comes from: a real enclave (AWS Nitro NSM, TDX) later, or the
 * simulated enclave of a dev network. The document binds the node's receipt-signing key
 * (`public_key` = the key, `user_data` = attestationBindingDigest), so a verifier that checks
 * it knows receipts signed by that key come from the attested enclave.
 */
import { attestationBindingDigest } from '../../../attestation/keyBinding.ts'
import { SimulatedEnclave } from '../../../attestation/simulatedEnclave.ts'
import type { DevRoot } from '../../../attestation/devRoot.ts'
import { publicKeyOf } from '../../../core/keys.ts'

export interface AttestationSource {
  readonly kind: 'nitro'
  /** A fresh document over `nonce`, binding the node's signing key (and HPKE key, when it has one). */
  attest(nonce: Uint8Array): Promise<Uint8Array>
  /** The HPKE public key bound in the documents; none when the node takes no encrypted requests. */
  readonly hpkePublicKey?: Uint8Array
}

/** A dev network's simulated Nitro enclave, signing under the network's dev root. */
export function simulatedAttestationSource({ root, privateKey, hpkePublicKey }: { root: DevRoot; privateKey: Uint8Array; hpkePublicKey?: Uint8Array }): AttestationSource {
  const enclave = new SimulatedEnclave({ root })
  const signingKey = publicKeyOf(privateKey)
  const userData = attestationBindingDigest({ signingKey, hpkePublicKey })
  return {
    kind: 'nitro',
    hpkePublicKey,
    attest: (nonce) => enclave.attest({ publicKey: signingKey, userData, nonce }),
  }
}
