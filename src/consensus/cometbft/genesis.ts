import type { ValidatorIdentity } from './home.ts'

/**
 * Chain parameters of local networks (devnet and dev alike, so the same transactions give the
 * same app hash under both engines): a small fee, and transactions up to 4 MiB, the size of a
 * settlement batch of a few thousand receipts.
 */
export const LOCAL_NETWORK_PARAMS = { minFee: '10', maxTxBytes: 4 * 1024 * 1024 }

export type AppGenesisState = {
  accounts: Array<{ address: string; balance: string }>
  params?: { minFee?: string; maxTxBytes?: number }
  [module: string]: unknown
}

/**
 * A CometBFT v0.38 genesis document. The genesis time is a fixed input, not the wall clock, so
 * the same inputs write the same file.
 */
export function cometGenesis(p: { chainId: string; genesisTime: string; validators: ValidatorIdentity[]; appState: AppGenesisState; maxBlockBytes?: number }) {
  return {
    genesis_time: p.genesisTime,
    chain_id: p.chainId,
    initial_height: '1',
    consensus_params: {
      block: { max_bytes: String(p.maxBlockBytes ?? 8 * 1024 * 1024), max_gas: '-1' },
      evidence: { max_age_num_blocks: '100000', max_age_duration: '172800000000000', max_bytes: '1048576' },
      validator: { pub_key_types: ['ed25519'] },
      version: { app: '1' },
      abci: { vote_extensions_enable_height: '0' },
    },
    validators: p.validators.map((v, i) => ({
      address: v.address,
      pub_key: { type: 'tendermint/PubKeyEd25519', value: v.pubKey },
      power: '10',
      name: `validator-${i}`,
    })),
    app_hash: '',
    app_state: p.appState,
  }
}
