import type { Command } from 'commander'
import { collect } from '../../options.ts'

export function registerInfer(program: Command): void {
  program
    .command('infer')
    .description('run an ONNX model on an inference node; prints the outputs and the receipt the SDK verified')
    .requiredOption('--model <id>', 'model ID (0x…), or name@version as registered on the ledger')
    .option('--ledger <url>', 'ledger RPC: resolves name@version, and its node registry lists the nodes when none are named ($HACA_NODE)')
    .option('--node <url=address>', 'a node and the address its receipts must be signed by (repeatable)', collect)
    .option('--nodes-file <file>', 'JSON list of nodes: [{ "url": …, "address": … }]')
    .option('--input <spec>', 'one input tensor as NAME=TYPE:DIMS:VALUES, e.g. input=float32:1x4:1,2,3,4 (repeatable)', collect)
    .option('--inputs <json>', 'all inputs as JSON {"name": {"dims", "type", "data"}}, or @FILE')
    .option('--mode <mode>', 'only nodes answering in this mode: vanilla, tee or zkml')
    .option('--max-price <units>', 'refuse nodes priced above this')
    .option('--encrypted', "encrypt the request to the node's attested HPKE key (registered nodes)")
    .option('--timeout <ms>', 'per-node deadline', '60000')
    .option('--key <file>', 'pay nodes that charge: vouchers signed with this key, from payment channels (state in ~/.haca/vouchers)')
    .option('--budget <units>', 'deposit of a channel opened on demand for --key (default 100000)')
    .option('--json', 'print JSON')
    .action(async (options) => (await import('./infer.ts')).inferCommand(options))
}

/** `haca receipt <id>` (the receipt a node signed, checked against the node's address). */
export function registerReceipt(program: Command): void {
  program
    .command('receipt')
    .description('fetch a receipt from the node that signed it and verify its signature')
    .argument('<id>', 'receipt id (0x + 64 hex digits)')
    .option('--node <url=address>', 'a node and the address its receipts must be signed by (repeatable)', collect)
    .option('--nodes-file <file>', 'JSON list of nodes: [{ "url": …, "address": … }]')
    .option('--ledger <url>', 'ledger RPC, for the settlement status ($HACA_NODE)')
    .option('--wait', 'wait until the receipt is settled or refused')
    .option('--json', 'print JSON')
    .action(async (id: string, options) => (await import('./receipt.ts')).receiptCommand({ ...options, id }))
}
