import { LedgerRpc } from '../../../client/ledger/ledgerRpc.ts'
import type { ModelView } from '../../../ledger/models/queries.ts'
import { printResult } from '../../output.ts'

export async function modelList(o: { node: string; json?: boolean }): Promise<void> {
  const rpc = await LedgerRpc.connect(o.node)
  try {
    const list = await rpc.queryJson<Array<{ name: string; owner: string; versions: string[]; latest: ModelView }>>('/models/list')
    printResult(o.json, list, () => (list.length ? list.map((m) => `${m.name}  versions ${m.versions.join(', ')}  latest ${m.latest.id}  owner ${m.owner}`).join('\n') : 'no models registered'))
  } finally {
    rpc.disconnect()
  }
}
