/**
 * bench/cli: how long the `haca` command takes to start and answer, from the compiled package
 * (dist/, what `npm i haca` installs and runs with plain Node) against the checkout's tsx entry
 * (bin/haca.js compiling TypeScript on the fly), in the same run, alternating the two so that
 * a noisy machine slows both alike. Two commands: `haca --version` (start-up alone) and
 * `haca query block` against a running one-validator devnet on CometBFT (start-up, one RPC).
 * Usage: node --import tsx bench/cli.ts [--runs N]   (builds dist/ first when it is missing)
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { prepareDevnet, RunningDevnet } from '../src/network/devnet.ts'

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' } } })
const RUNS = Number(values.runs)
const ROOT = join(import.meta.dirname, '..')
const COMPILED = join(ROOT, 'dist/cli/main.js')
const TSX = join(ROOT, 'bin/haca.js')

if (!existsSync(COMPILED)) {
  process.stderr.write('bench/cli: dist/ is missing, building it (npm run build)\n')
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' })
}

function timeOnce(entry: string, args: string[]): number {
  const start = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [entry, ...args], { cwd: ROOT, encoding: 'utf8' })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (r.status !== 0) throw new Error(`${entry} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return ms
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmt = (xs: number[]) => `p50 ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`

function compare(label: string, args: string[]): void {
  timeOnce(COMPILED, args)
  timeOnce(TSX, args) // warm the file cache and tsx's transform cache for both, as a user's second run would
  const compiled: number[] = []
  const tsx: number[] = []
  for (let i = 0; i < RUNS; i++) {
    compiled.push(timeOnce(COMPILED, args))
    tsx.push(timeOnce(TSX, args))
  }
  console.log(`${label.padEnd(18)} compiled ${fmt(compiled)} | tsx ${fmt(tsx)} | compiled/tsx ${(median(compiled) / median(tsx)).toFixed(2)}`)
}

const floor: number[] = []
for (let i = 0; i < RUNS; i++) floor.push(timeOnce('-e', ['']))
console.log(`node -e '' (floor)  ${fmt(floor)}`)
compare('haca --version', ['--version'])

const home = await mkdtemp(join(tmpdir(), 'haca-bench-cli-'))
const net = new RunningDevnet(await prepareDevnet({ home: join(home, 'net'), validators: 1, basePort: 24600, timeoutCommit: '300ms', storageShards: 10 }))
try {
  await net.start()
  compare('haca query block', ['query', 'block', '--node', net.layout.validators[0].rpc, '--json'])
} finally {
  await net.stop()
  await rm(home, { recursive: true, force: true })
}
