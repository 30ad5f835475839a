import { BaseError } from '../../../core/errors.ts'
import { parseAddress } from '../../../core/keys.ts'
import { LedgerRpc } from '../../../client/ledger/ledgerRpc.ts'
import { decodeAccount } from '../../../ledger/accounts/keeper.ts'
import { accountKey } from '../../../ledger/accounts/keys.ts'
import { printResult } from '../../output.ts'

export async function queryAccount(o: { address: string; prove?: boolean; height?: string; node: string; json?: boolean }): Promise<void> {
  const address = parseAddress(o.address)
  if (o.height !== undefined && !/^[0-9]{1,15}$/.test(o.height)) throw new BaseError(`--height "${o.height}" is not a block height (0 or none: the latest)`, { code: 'invalid_height' })
  if (o.height !== undefined && o.prove) throw new BaseError('--height and --prove do not go together: proofs are of the latest state', { code: 'invalid_option' })
  const height = o.height === undefined ? undefined : Number(o.height)
  const rpc = await LedgerRpc.connect(o.node)
  try {
    if (o.prove) {
      const p = await rpc.queryProven(accountKey(address))
      const a = p.value ? decodeAccount(p.value) : { balance: 0n, nonce: 0n }
      const out = { address, balance: a.balance.toString(), nonce: a.nonce.toString(), proven: { height: p.height, appHash: p.appHash } }
      return printResult(o.json, out, () => `${address}\nbalance ${out.balance}\nnonce ${out.nonce}\nproof verified against the app hash ${p.appHash} of block ${p.height + 1}`)
    }
    const a = await rpc.queryJson<{ balance: string; nonce: string }>(`/accounts/account/${address}`, { height })
    printResult(o.json, { address, balance: a.balance, nonce: a.nonce }, () => `${address}\nbalance ${a.balance}\nnonce ${a.nonce}`)
  } finally {
    rpc.disconnect()
  }
}
