/**
 * Progress for long transfers: a redrawn bar on a terminal, plain lines (every 10%)
 * otherwise, so logs and CI output stay readable.
 */
import type { Writable } from 'node:stream'

export type ProgressEvent = { phase: string; done: number; total: number }
export type OnProgress = (event: ProgressEvent) => void

export type ProgressReporterParameters = {
  /** Where to draw; stderr unless given. */
  stream?: Writable & { isTTY?: boolean; columns?: number }
  /** Bar or lines; the stream's own isTTY unless given. */
  tty?: boolean
  /** Clock for tests. */
  now?: () => number
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`
  return `${(n / 1024 ** 3).toFixed(2)} GiB`
}

/**
 * Returns an `OnProgress` callback that draws progress, and `finish()` to end the line.
 *
 * @example
 * const progress = createProgressReporter()
 * await uploadModelFile(store, 'model.onnx', { onProgress: progress.onProgress })
 * progress.finish()
 */
export function createProgressReporter({ stream = process.stderr, tty = Boolean(stream.isTTY), now = Date.now }: ProgressReporterParameters = {}) {
  let phase = ''
  let phaseStart = now()
  let lastDraw = 0
  let lastDecile = -1
  let drawn = false

  const line = (e: ProgressEvent): string => {
    const pct = e.total > 0 ? Math.min(100, Math.floor((e.done / e.total) * 100)) : 100
    const seconds = Math.max(0.001, (now() - phaseStart) / 1000)
    const rate = `${formatBytes(Math.round(e.done / seconds))}/s`
    return `${e.phase} ${pct}% ${formatBytes(e.done)}/${formatBytes(e.total)} ${rate}`
  }

  const onProgress: OnProgress = (e) => {
    if (e.phase !== phase) {
      if (tty && drawn) stream.write('\n')
      phase = e.phase
      phaseStart = now()
      lastDecile = -1
      lastDraw = Number.NEGATIVE_INFINITY
      drawn = false
    }
    const complete = e.done >= e.total
    if (tty) {
      // Redraw at most 10 times a second, and always at the end.
      if (!complete && now() - lastDraw < 100) return
      lastDraw = now()
      const width = 24
      const filled = e.total > 0 ? Math.round((Math.min(e.done, e.total) / e.total) * width) : width
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line(e)}\x1b[K`)
      drawn = true
      return
    }
    const decile = e.total > 0 ? Math.floor((Math.min(e.done, e.total) / e.total) * 10) : 10
    if (decile > lastDecile) {
      lastDecile = decile
      stream.write(`${line(e)}\n`)
    }
  }

  return {
    onProgress,
    /** Ends the bar's line on a terminal. */
    finish(): void {
      if (tty && drawn) stream.write('\n')
      drawn = false
    },
  }
}
