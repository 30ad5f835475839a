import { BaseError } from '../core/errors.ts'
import { NetworkError, classifyNetworkFailure } from '../core/http/networkError.ts'

/** Prints a result: JSON for machines with --json, the human form otherwise. */
export function printResult(json: boolean | undefined, value: unknown, human: () => string): void {
  if (json) process.stdout.write(`${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`)
  else process.stdout.write(`${human()}\n`)
}

/** An error that reached the entry point without a type: a network failure nobody named, or a bug. */
function typed(err: unknown): BaseError | undefined {
  if (err instanceof BaseError) return err
  const failure = classifyNetworkFailure(err)
  return failure ? new NetworkError(failure, { url: '(a URL the command did not name)', cause: err }) : undefined
}

function stackOf(err: unknown): string {
  const lines: string[] = []
  let e: unknown = err
  for (let depth = 0; e && depth < 8; depth++) {
    lines.push(depth === 0 ? String((e as Error).stack ?? e) : `caused by: ${String((e as Error).stack ?? e)}`)
    e = (e as { cause?: unknown }).cause
  }
  return lines.join('\n')
}

/**
 * What the entry point prints for a failed command: the message and a hint for humans, or
 * `{ "error": { code, message, hint? } }` with --json. The stack only with --verbose: a user
 * needs to know what was tried, what went wrong and what to do, not where in the code.
 */
export function formatError(err: unknown, { json = false, verbose = false }: { json?: boolean; verbose?: boolean } = {}): string {
  const known = typed(err)
  const message = known ? known.shortMessage : err instanceof Error ? err.message : String(err)
  if (json) {
    const body: Record<string, unknown> = { code: known?.code ?? 'internal_error', message }
    if (known?.hint) body.hint = known.hint
    if (verbose) body.stack = stackOf(err)
    return JSON.stringify({ error: body })
  }
  const lines = [`error: ${known ? known.message : message}`]
  if (known?.hint) lines.push(`hint: ${known.hint}`)
  if (verbose) lines.push('', stackOf(err))
  else if (!known) lines.push('(unexpected: run again with --verbose for the stack, and please report it)')
  return lines.join('\n')
}
