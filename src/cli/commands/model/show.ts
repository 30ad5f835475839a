import { LedgerRpc } from '../../../client/ledger/ledgerRpc.ts'
import type { ModelView } from '../../../ledger/models/queries.ts'
import { printResult } from '../../output.ts'

export async function modelShow(o: { ref: string; node: string; json?: boolean }): Promise<void> {
  const rpc = await LedgerRpc.connect(o.node)
  try {
    const m = await rpc.queryJson<ModelView>(`/models/model/${encodeURIComponent(o.ref)}`)
    printResult(o.json, m, () =>
      [
        `${m.name}@${m.version}`,
        `id        ${m.id}`,
        `owner     ${m.owner}`,
        `manifest  ${m.manifestBlobId}`,
        `sha256    ${m.sha256}`,
        `size      ${m.size} bytes (${m.format})`,
        `modes     ${m.modes.join(', ')}`,
        `price     ${m.price}`,
        `io        ${JSON.stringify(m.io)}`,
        `registered at height ${m.registeredAtHeight}`,
      ].join('\n'),
    )
  } finally {
    rpc.disconnect()
  }
}
