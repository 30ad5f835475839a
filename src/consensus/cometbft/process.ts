import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { cometbftPath } from './binary.ts'

/** Starts `cometbft start` for a home; its output goes to `logFile`. */
export function startCometbft(home: string, logFile: string): ChildProcess {
  const log = createWriteStream(logFile, { flags: 'a' })
  const child = spawn(cometbftPath(), ['start', '--home', home], { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout?.pipe(log)
  child.stderr?.pipe(log)
  return child
}
