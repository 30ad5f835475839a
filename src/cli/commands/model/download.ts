import { LedgerRpc } from '../../../client/ledger/ledgerRpc.ts'
import type { ModelView } from '../../../ledger/models/queries.ts'
import { downloadModel } from '../../../storage/downloadModel.ts'
import { createProgressReporter } from '../../../storage/progress.ts'
import { printResult } from '../../output.ts'
import { openStore, type StoreFlags } from './store.ts'

export async function modelDownload(o: StoreFlags & { ref: string; out: string; node: string; json?: boolean }): Promise<void> {
  const rpc = await LedgerRpc.connect(o.node)
  const store = await openStore(o)
  try {
    const m = await rpc.queryJson<ModelView>(`/models/model/${encodeURIComponent(o.ref)}`)
    const progress = o.json ? undefined : createProgressReporter()
    const got = await downloadModel(store, { manifestBlobId: m.manifestBlobId, dest: o.out, sha256: m.sha256, onProgress: progress?.onProgress })
    progress?.finish()
    printResult(o.json, { modelId: m.id, path: got.path, size: got.size, sha256: got.sha256 }, () => `${m.name}@${m.version} → ${got.path} (${got.size} bytes, sha256 ${got.sha256} matches the ledger)`)
  } finally {
    rpc.disconnect()
    await store.close()
  }
}
