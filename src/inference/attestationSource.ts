/**
 * Where the node's attestation comes from: a real enclave (AWS Nitro NSM, TDX) later, or the
 * simulated enclave of a dev network. The document binds the node's receipt-signing key
 * (`public_key` = the key, `user_data` = attestationBindingDigest), so a verifier that checks
 * it knows receipts signed by that key come from the attested enclave.
 */
import { attestationBindingDigest } from '../attestation/keyBinding.ts'
import { SimulatedEnclave } from '../attestation/simulatedEnclave.ts'
import type { DevRoot } from '../attestation/devRoot.ts'
import { publicKeyOf } from '../core/keys.ts'

export interface AttestationSource {
  readonly kind: 'nitro'
  /** A fresh document over `nonce`, binding the node's signing key. */
  attest(nonce: Uint8Array): Promise<Uint8Array>
}

/** A dev network's simulated Nitro enclave, signing under the network's dev root. */
export function simulatedAttestationSource({ root, privateKey }: { root: DevRoot; privateKey: Uint8Array }): AttestationSource {
  const enclave = new SimulatedEnclave({ root })
  const signingKey = publicKeyOf(privateKey)
  const userData = attestationBindingDigest({ signingKey })
  return {
    kind: 'nitro',
    attest: (nonce) => enclave.attest({ publicKey: signingKey, userData, nonce }),
  }
}
