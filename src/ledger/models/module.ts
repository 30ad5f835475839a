import type { LedgerModule } from '../module.ts'
import { handleRegisterModel } from './msgServer.ts'
import { registerModelCodec } from './msgs.ts'
import { queryAll, queryList, queryModel, queryVersions } from './queries.ts'

export const modelsModule: LedgerModule = {
  name: 'models',
  routes: [{ ...registerModelCodec, handle: handleRegisterModel }],
  queries: {
    model: (store, rest) => queryModel(store, decodeURIComponent(rest)),
    versions: (store, rest) => queryVersions(store, decodeURIComponent(rest)),
    list: (store) => queryList(store),
    all: (store) => queryAll(store),
  },
}
