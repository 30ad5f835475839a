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

  const channel = tx.command('channel').description('payment channels: escrow funds for an inference node, paid per request with vouchers')
  const common = (c: Command) =>
    c
      .option('--key <file>', 'client key file', defaultKeyFile())
      .option('--node <url>', 'ledger RPC ($HACA_NODE)', defaultRpc())
      .option('--json', 'machine-readable output')
  common(channel.command('open').description('open a channel to a node, escrowing --amount').requiredOption('--to <address>', "the node's registered address").requiredOption('--amount <n>', 'deposit in base units'))
    .action(async (o) => (await import('./channel.ts')).channelOpen(o))
  common(channel.command('top-up').description('add to a channel\'s deposit').requiredOption('--channel <id>', 'channel id (0x…)').requiredOption('--amount <n>', 'amount in base units'))
    .action(async (o) => (await import('./channel.ts')).channelTopUp(o))
  common(channel.command('close').description('start the challenge period; afterwards `withdraw` returns what was not spent').requiredOption('--channel <id>', 'channel id (0x…)'))
    .action(async (o) => (await import('./channel.ts')).channelClose(o))
  common(channel.command('withdraw').description('after the challenge period: return the unspent deposit').requiredOption('--channel <id>', 'channel id (0x…)'))
    .action(async (o) => (await import('./channel.ts')).channelWithdraw(o))
}
