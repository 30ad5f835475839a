import type { Command } from 'commander'
import { defaultRpc } from '../../defaults.ts'

export function registerQuery(program: Command): void {
  const q = program.command('query').description('read the ledger')
  q.command('account <address>')
    .description("an account's balance and nonce")
    .option('--prove', 'verify a Merkle proof of the answer against a committed block header')
    .option('--height <n>', 'the state as of this block (default: the latest)')
    .option('--node <url>', 'ledger RPC ($HACA_NODE)', defaultRpc())
    .option('--json', 'machine-readable output')
    .action(async (address, o) => (await import('./account.ts')).queryAccount({ ...o, address }))
  q.command('tx <hash>')
    .description('a committed transaction and its result')
    .option('--node <url>', 'ledger RPC ($HACA_NODE)', defaultRpc())
    .option('--json', 'machine-readable output')
    .action(async (hash, o) => (await import('./tx.ts')).queryTx({ ...o, hash }))
  q.command('block [height]')
    .description('a block (the latest without a height)')
    .option('--node <url>', 'ledger RPC ($HACA_NODE)', defaultRpc())
    .option('--json', 'machine-readable output')
    .action(async (height, o) => (await import('./block.ts')).queryBlock({ ...o, height }))
}
