/**
 * The node registry of a devnet: a dev attestation root generated into the devnet home (0600),
 * trusted by genesis, the simulated enclave's PCRs allowed for inference nodes, the demo
 * account as governance, a small minimum stake, and the inference nodes' keys funded so they
 * can pay their own stake and fees when they register on start.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { DevRoot } from '../attestation/devRoot.ts'
import { readDevRootFile, writeDevRootFile } from '../attestation/devRootFile.ts'
import { simulatedEnclavePcrs } from '../attestation/simulatedEnclave.ts'
import { readKeyFile, writeKeyFile } from '../core/keyfile.ts'
import type { Address } from '../core/keys.ts'
import type { RegistryGenesis } from '../ledger/registry/params.ts'

/** What the devnet layout records about its registry. */
export type DevnetRegistry = {
  /** PEM of the dev root (certificate and key), mode 0600. */
  devRootFile: string
  /** sha256 of the root certificate, as genesis trusts it. */
  fingerprint: string
  governance: Address
  minStake: string
  maxAttestationAgeMs: string
}

/** How many inference nodes a devnet runs (their keys are funded in genesis). */
export const DEVNET_INFERENCE_NODES = 2
const NODE_BALANCE = '1000000000'

export type PreparedDevnetRegistry = {
  layout: DevnetRegistry
  nodeKeys: Address[]
  /** Genesis balances of the inference nodes' keys. */
  accounts: Array<{ address: Address; balance: string }>
}

/** Writes (or reuses) the dev root and the inference nodes' keys under `home`. */
export async function prepareDevnetRegistry(home: string, governance: Address): Promise<PreparedDevnetRegistry> {
  const devRootFile = join(home, 'attestation-dev-root.pem')
  // Back-dated a day, so a validator whose clock is a little behind still accepts its certificates.
  const root = existsSync(devRootFile) ? await readDevRootFile(devRootFile) : await DevRoot.generate({ notBefore: new Date(Date.now() - 86_400_000) })
  if (!existsSync(devRootFile)) await writeDevRootFile(devRootFile, root)
  const nodeKeys: Address[] = []
  for (let i = 0; i < DEVNET_INFERENCE_NODES; i++) {
    const file = join(home, `inference-${i}`, 'node-key.json')
    nodeKeys.push((existsSync(file) ? await readKeyFile(file) : await writeKeyFile(file)).address)
  }
  return {
    layout: { devRootFile, fingerprint: root.fingerprint, governance, minStake: '1000', maxAttestationAgeMs: '3600000' },
    nodeKeys,
    accounts: nodeKeys.map((address) => ({ address, balance: NODE_BALANCE })),
  }
}

/** `app_state.registry` of a devnet. */
export function devnetRegistryGenesis({ layout }: PreparedDevnetRegistry): RegistryGenesis {
  return {
    governance: layout.governance,
    trustedRoots: [layout.fingerprint],
    measurements: { inference: { nitro: [simulatedEnclavePcrs()] } },
    maxAttestationAgeMs: layout.maxAttestationAgeMs,
    minStake: layout.minStake,
    // A minute of block time between deregister and withdraw: short enough to try on a devnet.
    unbondingPeriodMs: '60000',
    recentBlockHashes: 100,
  }
}
