/**
 * What the paying examples share: where the node, the ledger and the paying key are
 * (`--node`, `--ledger`, `--key`, `--model`, or HACA_NODE_URL, HACA_LEDGER_URL, HACA_KEY_FILE;
 * defaults: `haca devnet`'s chat node, its ledger and its demo key), and one line per verified
 * receipt for the `onReceipt` option of `createPayingFetch`.
 */
import { homedir } from 'node:os'
import { parseArgs } from 'node:util'
import type { PaidAnswer } from '../src/index.ts'

export const args = parseArgs({
  options: {
    node: { type: 'string', default: process.env.HACA_NODE_URL ?? 'http://127.0.0.1:31418' },
    ledger: { type: 'string', default: process.env.HACA_LEDGER_URL ?? 'http://127.0.0.1:26657' },
    key: { type: 'string', default: process.env.HACA_KEY_FILE ?? `${homedir()}/.haca/devnet/keys/demo.json` },
    model: { type: 'string', default: 'standin-chat' },
  },
}).values

export function printReceipt({ receipt, node, stream, payment }: PaidAnswer): void {
  console.log(`verified receipt ${receipt.id} for a ${stream ? 'streamed' : 'plain'} answer, signed by ${node}, paid ${payment?.price ?? 0n} on channel ${payment?.channelId ?? '-'} (${payment?.cumulative ?? 0n} in all)`)
}
