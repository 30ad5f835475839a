import type { Command } from 'commander'
import { defaultKeyFile, defaultRpc } from '../../defaults.ts'

/** Options of every command that makes a transaction: how it is signed and sent, or generated unsigned. */
const txOptions = (c: Command) =>
  c
    .option('--fee <n>', 'fee in base units (default: the chain minimum)')
    .option('--key <file>', 'signing key file (with --generate-only: only its address is read, unless --from)', defaultKeyFile())
    .option('--node <url>', 'ledger RPC ($HACA_NODE)', defaultRpc())
    .option('--no-wait', 'return once the mempool accepted it, without waiting for a block')
    .option('--generate-only', 'print the transaction unsigned, as JSON, for `haca tx sign` (on a machine that holds the key); sends nothing')
    .option('--from <address>', 'with --generate-only: the sender (default: the address of --key)')
    .option('--nonce <n>', "with --generate-only: the sender's nonce (default: asked from --node)")
    .option('--chain-id <id>', 'with --generate-only: the chain (default: asked from --node; with --nonce and --fee, nothing is asked)')
    .option('--json', 'machine-readable output')

export function registerTx(program: Command): void {
  const tx = program.command('tx').description('sign and send transactions, or generate them unsigned, sign them offline and broadcast them')
  txOptions(
    tx
      .command('transfer')
      .description('send native tokens to an address')
      .requiredOption('--to <address>', 'recipient 0x address')
      .requiredOption('--amount <n>', 'amount in base units (an integer)'),
  ).action(async (o) => (await import('./transfer.ts')).txTransfer(o))

  const channel = tx.command('channel').description('payment channels: escrow funds for an inference node, paid per request with vouchers')
  txOptions(channel.command('open').description('open a channel to a node, escrowing --amount').requiredOption('--to <address>', "the node's registered address").requiredOption('--amount <n>', 'deposit in base units'))
    .action(async (o) => (await import('./channel.ts')).channelOpen(o))
  txOptions(channel.command('top-up').description("add to a channel's deposit").requiredOption('--channel <id>', 'channel id (0x…)').requiredOption('--amount <n>', 'amount in base units'))
    .action(async (o) => (await import('./channel.ts')).channelTopUp(o))
  txOptions(channel.command('close').description('start the challenge period; afterwards `withdraw` returns what was not spent').requiredOption('--channel <id>', 'channel id (0x…)'))
    .action(async (o) => (await import('./channel.ts')).channelClose(o))
  txOptions(channel.command('withdraw').description('after the challenge period: return the unspent deposit').requiredOption('--channel <id>', 'channel id (0x…)'))
    .action(async (o) => (await import('./channel.ts')).channelWithdraw(o))

  tx.command('sign')
    .description('sign an unsigned transaction (JSON from --generate-only) with a key; uses no network. Prints the signed transaction as hex')
    .argument('<file>', 'the unsigned transaction JSON, or - for standard input')
    .option('--key <file>', 'key file to sign with; must be the transaction\'s "from"', defaultKeyFile())
    .option('--chain-id <id>', 'refuse a transaction for any other chain')
    .option('--json', 'print { tx, hash, chainId, from, nonce, fee, msg } instead of bare hex')
    .action(async (file: string, o) => (await import('./sign.ts')).txSign({ ...o, file }))

  tx.command('broadcast')
    .description("send a signed transaction; prints its hash and CheckTx's answer (a refusal is an error with its code and log)")
    .argument('<tx>', 'the signed transaction: hex, a file of hex, or a file of `haca tx sign --json` output (- for standard input)')
    .option('--node <url>', 'ledger RPC ($HACA_NODE)', defaultRpc())
    .option('--wait', 'also wait for the block and print its result')
    .option('--json', 'machine-readable output')
    .action(async (tx: string, o) => (await import('./broadcast.ts')).txBroadcast({ ...o, tx }))
}
