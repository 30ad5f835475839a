/**
 * The `haca` command. This file only declares the command groups; each group's
 * `register.ts` declares its commands, and each command's code is loaded when it runs.
 * Only this entry point calls process.exit; commands throw typed errors.
 */
import { Command } from 'commander'
import { BaseError } from '../core/errors.ts'
import { registerKeys } from './commands/keys/register.ts'
import { registerTx } from './commands/tx/register.ts'
import { registerQuery } from './commands/query/register.ts'
import { registerNode } from './commands/node/register.ts'
import { registerNetwork } from './commands/network/register.ts'
import { registerModel } from './commands/model/register.ts'
import { registerInfer, registerReceipt } from './commands/infer/register.ts'
import { registerChat } from './commands/chat/register.ts'

const program = new Command('haca')
  .description('haca: a decentralized network for verifiable AI inference')
  .version('0.1.0')
  .showHelpAfterError()
  // Program options (--version) only before the subcommand: `haca model upload --version 1.0.0` is the model's.
  .enablePositionalOptions()

registerNetwork(program)
registerNode(program)
registerKeys(program)
registerTx(program)
registerQuery(program)
registerModel(program)
registerInfer(program)
registerChat(program)
registerReceipt(program)

try {
  await program.parseAsync(process.argv)
} catch (err) {
  const json = process.argv.includes('--json')
  if (err instanceof BaseError) {
    if (json) process.stderr.write(`${JSON.stringify({ error: err.toJSON() })}\n`)
    else process.stderr.write(`error: ${err.message}\n`)
    process.exit(1)
  }
  process.stderr.write(`error: ${err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(1)
}
