/**
 * Option parsers that command declarations share. Declarations load on every run of `haca`
 * (`--help` included), so this file imports nothing: a declaration that imported a command's
 * code pulled the SDK and native modules into every start (130 ms of `haca --version`).
 */

/** Collects a repeatable option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}
