import type { StateStore } from '../state/overlay.ts'
import { type RegistryGenesis, registryParamsFromGenesis, setRegistryParams } from './params.ts'

/**
 * Writes the registry params from `app_state.registry`. Without that section the registry is
 * inert (no measurements, no vanilla nodes, nothing written per block), so existing chains
 * keep their app hashes.
 */
export async function initRegistryGenesis(store: StateStore, genesis: RegistryGenesis | undefined): Promise<void> {
  setRegistryParams(store, registryParamsFromGenesis(genesis))
}
