import { BaseError } from '../../../core/errors.ts'
import { LedgerRpc } from '../../../client/ledger/ledgerRpc.ts'
import { printResult } from '../../output.ts'

export async function queryTx(o: { hash: string; node: string; json?: boolean }): Promise<void> {
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(o.hash)) throw new BaseError(`"${o.hash}" is not a transaction hash (64 hex digits)`, { code: 'invalid_hash' })
  const rpc = await LedgerRpc.connect(o.node)
  try {
    const r = await rpc.getTx(o.hash)
    if (!r) throw new BaseError(`transaction ${o.hash} is not in a committed block (yet)`, { code: 'not_found' })
    printResult(o.json, r, () =>
      [`tx ${r.hash}`, `height ${r.height}`, r.code === 0 ? 'result ok' : `result failed (${r.codespace}/${r.code}): ${r.log}`, ...r.events.map((e) => `event ${e.type} ${JSON.stringify(e.attributes)}`)].join('\n'),
    )
  } finally {
    rpc.disconnect()
  }
}
