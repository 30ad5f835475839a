import { readKeyFile } from '../../../core/keyfile.ts'
import { LedgerRpc } from '../../../client/ledger/ledgerRpc.ts'
import { sendTx } from '../../../client/ledger/sendTx.ts'
import { modelIdOf } from '../../../ledger/models/keys.ts'
import { canonicalIoSchema, type ModelMode } from '../../../ledger/models/msgs.ts'
import { registerModelCodec } from '../../../ledger/models/msgs.ts'
import { buildRegisterModelTx } from '../../../ledger/models/tx.ts'
import { createProgressReporter } from '../../../storage/progress.ts'
import { uploadModelFile } from '../../../storage/uploadModelFile.ts'
import { printResult } from '../../output.ts'
import { parseAmount } from '../tx/amount.ts'
import { openStore, type StoreFlags } from './store.ts'

export async function modelUpload(o: StoreFlags & { file: string; name: string; version: string; modes: string; price: string; key: string; node: string; json?: boolean }): Promise<void> {
  const key = await readKeyFile(o.key)
  const price = parseAmount('--price', o.price)
  const modes = o.modes.split(',').map((m) => m.trim()) as ModelMode[]
  const rpc = await LedgerRpc.connect(o.node)
  const store = await openStore(o)
  try {
    const id = modelIdOf(o.name, o.version)
    // Refuse what the ledger would refuse before spending minutes on an upload.
    const placeholder = { name: o.name, version: o.version, manifestBlobId: 'A'.repeat(43), sha256: `0x${'00'.repeat(32)}` as const, size: 1n, format: 'onnx' as const, io: canonicalIoSchema({ inputs: [], outputs: [] }), modes, price }
    registerModelCodec.decode(registerModelCodec.encode(placeholder))
    const progress = o.json ? undefined : createProgressReporter()
    const up = await uploadModelFile(store, o.file, { onProgress: progress?.onProgress })
    progress?.finish()
    const model = { ...placeholder, manifestBlobId: up.manifestBlobId, sha256: `0x${up.sha256}` as const, size: BigInt(up.size), io: canonicalIoSchema(up.io) }
    const sent = await sendTx(rpc, { key, build: (p) => buildRegisterModelTx({ ...p, model }, key.privateKey).bytes })
    const out = { modelId: id, name: o.name, version: o.version, manifestBlobId: up.manifestBlobId, sha256: up.sha256, size: up.size, tx: sent.hash, height: sent.result?.height }
    printResult(o.json, out, () => [`model ${o.name}@${o.version} registered at height ${out.height}`, `model id   ${id}`, `manifest   ${up.manifestBlobId}`, `sha256     ${up.sha256}`, `size       ${up.size} bytes`].join('\n'))
  } finally {
    rpc.disconnect()
    await store.close()
  }
}
