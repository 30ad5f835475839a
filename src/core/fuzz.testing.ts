/**
 * Fuzz iteration counts for unit tests. CI runs every fuzz test in full; a developer's run
 * takes a tenth unless `HACA_FUZZ` says otherwise (`full`, or a scale such as `0.5` or `3`),
 * so the unit tier stays quick while editing and thorough where it gates a landing.
 */
export function fuzzRuns(full: number): number {
  const setting = process.env.HACA_FUZZ ?? (process.env.CI === 'true' ? 'full' : '0.1')
  const scale = setting === 'full' ? 1 : Number(setting)
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`HACA_FUZZ must be "full" or a positive scale, got "${setting}"`)
  return Math.max(1, Math.round(full * scale))
}
