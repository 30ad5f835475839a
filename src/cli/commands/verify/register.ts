import type { Command } from 'commander'
import { defaultRpc } from '../../defaults.ts'

/** `haca verify <receipt-id | answer.json>`: one line per check of an answer; exit code 1 when one failed. */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('check what can be proven about an answer: receipt, registration, attestation, settlement (exit code 1 when a check fails)')
    .argument('<answer>', 'a receipt id (0x + 64 hex digits, fetched from --node) or a JSON file { receipt, request?, response? }')
    .option('--node <url>', 'the inference node that signed it: fetches a receipt by id, and says whether its settlement was refused')
    .option('--ledger <url>', 'ledger RPC ($HACA_NODE)', defaultRpc())
    .option('--trust-height <n>', 'light client: a block height you trust (with --trust-hash); without it the ledger RPC is trusted')
    .option('--trust-hash <hex>', 'light client: the header hash at --trust-height, from a source you trust')
    .option('--trusting-period <hours>', 'light client: how long a verified header stays trusted', '336')
    .option('--light-store <file>', 'light client: keep verified headers in this file (resumes from them next time)')
    .option('--json', 'print JSON')
    .action(async (answer: string, options) => (await import('./verify.ts')).verifyCommand({ ...options, answer }))
}
