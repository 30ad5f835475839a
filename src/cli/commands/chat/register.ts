import type { Command } from 'commander'
import { collect } from '../../options.ts'

export function registerChat(program: Command): void {
  program
    .command('chat')
    .description('chat with an LLM through an inference node; prints the answer and the receipt the SDK verified')
    .argument('<message...>', 'the user message')
    .requiredOption('--model <name>', 'model name, as the node lists it')
    .option('--node <url=address>', 'a node and the address its receipts must be signed by (repeatable)', collect)
    .option('--nodes-file <file>', 'JSON list of nodes: [{ "url": …, "address": … }]')
    .option('--ledger <url>', "ledger RPC whose node registry lists the nodes when none are named ($HACA_NODE)")
    .option('--encrypted', "encrypt the request to the node's attested HPKE key (registered nodes; not with --stream)")
    .option('--system <text>', 'a system message')
    .option('--max-tokens <n>', 'most tokens in the answer')
    .option('--stream', 'print the answer as it arrives')
    .option('--mode <mode>', 'only nodes answering in this mode: vanilla, tee or zkml')
    .option('--max-price <units>', 'refuse nodes priced above this')
    .option('--timeout <ms>', 'per-node deadline', '60000')
    .option('--key <file>', 'pay nodes that charge: vouchers signed with this key, from payment channels (state in ~/.haca/vouchers)')
    .option('--budget <units>', 'deposit of a channel opened on demand for --key (default 100000)')
    .option('--json', 'print JSON')
    .action(async (message: string[], options) => (await import('./chat.ts')).chatCommand({ ...options, message: message.join(' ') }))
}
