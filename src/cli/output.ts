/** Prints a result: JSON for machines with --json, the human form otherwise. */
export function printResult(json: boolean | undefined, value: unknown, human: () => string): void {
  if (json) process.stdout.write(`${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`)
  else process.stdout.write(`${human()}\n`)
}
