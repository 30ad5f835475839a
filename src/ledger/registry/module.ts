import { fromHex } from '../../core/bytes.ts'
import { parseAddress } from '../../core/keys.ts'
import type { LedgerModule } from '../module.ts'
import { initRegistryGenesis } from './genesis.ts'
import { type RegistryKeeper, recordBlock } from './keeper.ts'
import { registryMsgServer } from './msgServer.ts'
import { deregisterCodec, reattestCodec, registerCodec, setMeasurementsCodec, withdrawCodec } from './msgs.ts'
import { getRegistryParams } from './params.ts'
import { parseNodeFilters, queryHead, queryNode, queryNodeBySigningKey, queryNodes, queryParams } from './queries.ts'

/** The node registry: TEE-attested (or vanilla) inference and data nodes, their keys, endpoints, capabilities and stakes. */
export function registryModule(keeper: RegistryKeeper): LedgerModule {
  const server = registryMsgServer(keeper)
  return {
    name: 'registry',
    routes: [
      { ...registerCodec, handle: server.register },
      { ...reattestCodec, handle: server.reattest },
      { ...deregisterCodec, handle: server.deregister },
      { ...withdrawCodec, handle: server.withdraw },
      { ...setMeasurementsCodec, handle: server.setMeasurements },
    ],
    initGenesis: (store, appState) => initRegistryGenesis(store, appState?.registry),
    beginBlock: async (store, block) => recordBlock(store, await getRegistryParams(store), block),
    queries: {
      node: (store, rest) => queryNode(store, parseAddress(rest)),
      by_key: (store, rest) => queryNodeBySigningKey(store, fromHex(rest, 33)),
      nodes: (store, rest) => queryNodes(store, parseNodeFilters(rest)),
      head: (store) => queryHead(store),
      params: (store) => queryParams(store),
    },
  }
}
