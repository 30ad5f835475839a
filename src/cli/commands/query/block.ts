import { BaseError } from '../../../core/errors.ts'
import { sha256 } from '../../../core/hash.ts'
import { LedgerRpc } from '../../../client/ledger/ledgerRpc.ts'
import { printResult } from '../../output.ts'

export async function queryBlock(o: { height?: string; node: string; json?: boolean }): Promise<void> {
  if (o.height !== undefined && !/^[1-9][0-9]*$/.test(o.height)) throw new BaseError(`"${o.height}" is not a block height`, { code: 'invalid_height' })
  const rpc = await LedgerRpc.connect(o.node)
  try {
    const b = await rpc.comet.block(o.height === undefined ? undefined : Number(o.height))
    const h = b.block.header
    const out = {
      height: h.height,
      time: h.time.toISOString(),
      hash: Buffer.from(b.blockId.hash).toString('hex').toUpperCase(),
      appHash: Buffer.from(h.appHash).toString('hex').toUpperCase(),
      proposer: Buffer.from(h.proposerAddress).toString('hex').toUpperCase(),
      txs: b.block.txs.map((t) => Buffer.from(sha256(t)).toString('hex').toUpperCase()),
    }
    printResult(o.json, out, () => [`block ${out.height} at ${out.time}`, `hash ${out.hash}`, `app hash ${out.appHash}`, `${out.txs.length} tx(s)`, ...out.txs.map((t) => `  ${t}`)].join('\n'))
  } finally {
    rpc.disconnect()
  }
}
