/** HTTP `Range: bytes=...` parsing for one range, as RFC 9110 section 14 describes it. */

export type ByteRange = { start: number; end: number }

/**
 * The one range a `Range` header asks for within a blob of `size` bytes: a range, 'ignore'
 * (absent, not bytes, or several ranges: serve the whole blob), or 'unsatisfiable' (416).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'ignore' | 'unsatisfiable' {
  if (!header) return 'ignore'
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!m) return 'ignore'
  const [, a, b] = m
  if (a === '' && b === '') return 'ignore'
  if (a === '') {
    // Suffix range: the last N bytes.
    const n = Number(b)
    if (n === 0 || size === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - n), end: size - 1 }
  }
  const start = Number(a)
  if (start >= size) return 'unsatisfiable'
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1)
  if (end < start) return 'ignore'
  return { start, end }
}
