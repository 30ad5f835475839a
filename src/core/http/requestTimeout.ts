/**
 * The deadline of one request from a command-line process, for clients that are not given one:
 * the CLI sets it once from `--timeout`, so every client a command uses shares it without the
 * option being threaded through each call. Long-lived nodes pass their clients deadlines
 * explicitly instead.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000

let current = DEFAULT_REQUEST_TIMEOUT_MS

export function requestTimeoutMs(): number {
  return current
}

export function setRequestTimeoutMs(ms: number): void {
  if (!Number.isSafeInteger(ms) || ms <= 0) throw new RangeError(`a request timeout is a positive number of milliseconds, not ${ms}`)
  current = ms
}
