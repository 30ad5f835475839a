/**
 * The `haca` command. This file only declares the command groups; each group's
 * `register.ts` declares its commands, and each command's code is loaded when it runs.
 * Only this entry point calls process.exit; commands throw typed errors, printed here.
 */
import { Command, CommanderError } from 'commander'
import { BaseError } from '../core/errors.ts'
import { DEFAULT_REQUEST_TIMEOUT_MS, setRequestTimeoutMs } from '../core/http/requestTimeout.ts'
import { formatError } from './output.ts'
import { registerKeys } from './commands/keys/register.ts'
import { registerTx } from './commands/tx/register.ts'
import { registerQuery } from './commands/query/register.ts'
import { registerNode } from './commands/node/register.ts'
import { registerNetwork } from './commands/network/register.ts'
import { registerModel } from './commands/model/register.ts'
import { registerInfer, registerReceipt } from './commands/infer/register.ts'
import { registerChat } from './commands/chat/register.ts'
import { registerVerify } from './commands/verify/register.ts'

const json = process.argv.includes('--json')
const verbose = process.argv.includes('--verbose')

const program = new Command('haca')
  .description('haca: a decentralized network for verifiable AI inference')
  .version('0.1.0')
  // Also after each command (added below); read from argv, so it works even when parsing fails.
  .option('--verbose', 'on failure, print the stack and its causes too')
  .showHelpAfterError()
  // Program options (--version) only before the subcommand: `haca model upload --version 1.0.0` is the model's.
  .enablePositionalOptions()
  // Usage errors come back here (printed as JSON with --json) instead of exiting inside commander.
  .exitOverride()
  .configureOutput(json ? { outputError: () => {}, writeErr: () => {} } : {})

registerNetwork(program)
registerNode(program)
registerKeys(program)
registerTx(program)
registerQuery(program)
registerModel(program)
registerInfer(program)
registerChat(program)
registerReceipt(program)
registerVerify(program)

/** Long-running servers and commands that use no network: no per-request deadline to set. */
const NO_DEADLINE = new Set(['dev', 'devnet', 'node', 'keys', 'sign'])

/** Options every command takes: --verbose, and --timeout where the command has no deadline of its own. */
function addCommonOptions(command: Command, withTimeout: boolean): Command[] {
  const timed: Command[] = []
  for (const sub of command.commands) {
    const serves = withTimeout && !NO_DEADLINE.has(sub.name())
    if (sub.commands.length) {
      timed.push(...addCommonOptions(sub, serves))
      continue
    }
    sub.option('--verbose', 'on failure, print the stack and its causes too')
    if (serves && !sub.options.some((o) => o.long === '--timeout')) {
      sub.option('--timeout <ms>', `deadline of each request to the ledger node (default ${DEFAULT_REQUEST_TIMEOUT_MS})`)
      timed.push(sub)
    }
  }
  return timed
}
const timed = new Set(addCommonOptions(program, true))

program.hook('preAction', (_program, action) => {
  const ms = action.opts().timeout as string | undefined
  if (!timed.has(action) || ms === undefined) return
  if (!/^[1-9][0-9]{0,8}$/.test(ms)) throw new BaseError(`--timeout "${ms}" is not a number of milliseconds`, { code: 'invalid_option' })
  setRequestTimeoutMs(Number(ms))
})

try {
  await program.parseAsync(process.argv)
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end the same way; commander printed them.
    if (err.exitCode === 0) process.exit(0)
    if (json) process.stderr.write(`${JSON.stringify({ error: { code: 'usage', message: err.message.replace(/^error: /, '') } })}\n`)
    process.exit(err.exitCode || 2)
  }
  process.stderr.write(`${formatError(err, { json, verbose })}\n`)
  process.exit(1)
}
