/** The TEE a config describes: the HPKE key pair (created on first start) and the attestation source binding it and the signing key. */
import { readDevRootFile } from '../../../attestation/devRootFile.ts'
import type { HpkeKeyPair } from '../../../attestation/hpkeKeys.ts'
import type { InferenceNodeConfig } from '../config.ts'
import { type AttestationSource, simulatedAttestationSource } from './attestationSource.ts'
import { loadOrCreateHpkeKeyFile } from './hpkeKeyFile.ts'

/** Nothing for a node without a `"tee"` section. */
export async function teeFromConfig(config: Pick<InferenceNodeConfig, 'tee'>, privateKey: Uint8Array): Promise<{ attestation?: AttestationSource; hpke?: HpkeKeyPair }> {
  if (!config.tee) return {}
  const hpke = await loadOrCreateHpkeKeyFile(config.tee.hpkeKeyFile)
  const attestation = simulatedAttestationSource({ root: await readDevRootFile(config.tee.devRootFile), privateKey, hpkePublicKey: hpke.publicKey })
  return { attestation, hpke }
}
