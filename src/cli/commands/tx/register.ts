import type { Command } from 'commander'
import { defaultKeyFile, defaultRpc } from '../../defaults.ts'

export function registerTx(program: Command): void {
  const tx = program.command('tx').description('sign and send transactions')
  tx.command('transfer')
    .description('send native tokens to an address')
    .requiredOption('--to <address>', 'recipient 0x address')
    .requiredOption('--amount <n>', 'amount in base units (an integer)')
    .option('--fee <n>', 'fee in base units (default: the chain minimum)')
    .option('--key <file>', 'sender key file', defaultKeyFile())
    .option('--node <url>', 'ledger RPC ($HACA_NODE)', defaultRpc())
    .option('--no-wait', 'return once the mempool accepted it, without waiting for a block')
    .option('--json', 'machine-readable output')
    .action(async (o) => (await import('./transfer.ts')).txTransfer(o))
}
