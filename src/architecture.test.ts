/**
 * The import rules of ARCHITECTURE.md, checked on the code itself: each room imports only the
 * rooms below it. A new upward import fails here with the file and the specifier.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const SRC = import.meta.dirname

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name)
    if (d.isDirectory()) return sourceFiles(path)
    return /\.(ts|mjs)$/.test(d.name) && !/\.test\.ts$/.test(d.name) ? [path] : []
  })
}

/** Every import of a file: the room (path under src/) of each relative import, and each bare specifier. */
function importsOf(file: string): { local: string[]; staticLocal: string[]; packages: string[] } {
  const text = readFileSync(file, 'utf8')
  const matches = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|new URL\(\s*['"](\.[^'"]+)['"]/g)]
  const specs = matches.map((m) => m[1] ?? m[2] ?? m[3])
  const inSrc = (s: string) => relative(SRC, resolve(dirname(file), s))
  return {
    local: specs.filter((s) => s.startsWith('.')).map(inSrc),
    staticLocal: matches.map((m) => m[1]).filter((s): s is string => s?.startsWith('.') === true).map(inSrc),
    packages: specs.filter((s) => !s.startsWith('.')),
  }
}

const files = sourceFiles(SRC).map((f) => ({ path: relative(SRC, f), ...importsOf(f) }))
const under = (room: string) => files.filter((f) => f.path.startsWith(`${room}/`))

function assertOnly(room: string, allowed: string[], why: string): void {
  const offending = under(room).flatMap((f) =>
    f.local.filter((target) => !allowed.some((a) => target.startsWith(`${a}/`))).map((target) => `${f.path} -> ${target}`))
  assert.deepEqual(offending, [], `${room}/ ${why}`)
}

test('core/ imports nothing of haca but core/', () => {
  assertOnly('core', ['core'], 'is the ground floor')
})

test('protocol/ imports only core/: ledger, nodes and the SDK all read it, it reads none of them', () => {
  assertOnly('protocol', ['protocol', 'core'], 'holds shared wire formats only')
})

test('the ledger imports no node, no engine, no SDK, and no I/O module', () => {
  // attestation/ is pure verification (documents, quotes, certificate chains against given roots): full nodes run it at block time.
  assertOnly('ledger', ['ledger', 'protocol', 'attestation', 'core'], 'is the deterministic state machine')
  const io = under('ledger').flatMap((f) => f.packages.filter((p) => /^node:(fs|net|http|https|child_process|dgram|dns|os|worker_threads)/.test(p)).map((p) => `${f.path} -> ${p}`))
  assert.deepEqual(io, [], 'the ledger does no I/O')
})

test('the SDK imports no node internals, engine, network composition or CLI', () => {
  const offending = under('client').flatMap((f) => f.local.filter((t) => /^(nodes|network|cli|consensus)\//.test(t)).map((t) => `${f.path} -> ${t}`))
  assert.deepEqual(offending, [])
})

test('attestation/ does no I/O (the ledger runs it at block time)', () => {
  const io = under('attestation').filter((f) => !f.path.includes('devRootFile') && !f.path.includes('simulatedEnclave'))
    .flatMap((f) => f.packages.filter((p) => /^node:(fs|net|http|https|child_process|dgram|dns)/.test(p)).map((p) => `${f.path} -> ${p}`))
  assert.deepEqual(io, [])
})

test('shared libraries (storage, attestation, consensus, onnx) import no node process, composition or CLI', () => {
  for (const room of ['storage', 'attestation', 'consensus', 'onnx']) {
    const offending = under(room).flatMap((f) => f.local.filter((t) => /^(nodes|network|cli)\//.test(t)).map((t) => `${f.path} -> ${t}`))
    assert.deepEqual(offending, [], `${room}/ is a library below the nodes`)
  }
})

test('a node type reaches no other node type (they talk over HTTP and the ledger)', () => {
  const offending = under('nodes').flatMap((f) => {
    const own = f.path.split('/')[1]
    return f.local.filter((t) => t.startsWith('nodes/') && t.split('/')[1] !== own).map((t) => `${f.path} -> ${t}`)
  })
  assert.deepEqual(offending, [])
})

test('only the CLI and the network compositions import the CLI or compositions', () => {
  const offending = files.filter((f) => !/^(cli|network)\//.test(f.path))
    .flatMap((f) => f.local.filter((t) => /^(cli|network)\//.test(t)).map((t) => `${f.path} -> ${t}`))
  assert.deepEqual(offending, [])
})

test('the rules see the imports (a check that reads nothing proves nothing)', () => {
  assert.ok(files.length > 150, `read ${files.length} files`)
  assert.ok(under('ledger').some((f) => f.local.some((t) => t.startsWith('protocol/'))), 'the ledger imports the protocol')
  assert.ok(under('client').some((f) => f.local.some((t) => t.startsWith('protocol/'))), 'the SDK imports the protocol')
})

test("the CLI's command declarations load no command code: every `haca` start reads them all", () => {
  const declarations = files.filter((f) => /^cli\/commands\/[^/]+\/register\.ts$/.test(f.path))
  assert.ok(declarations.length >= 8, `found ${declarations.length} register.ts files`)
  const offending = declarations.flatMap((f) => f.staticLocal.filter((t) => !['cli/options.ts', 'cli/defaults.ts'].includes(t)).map((t) => `${f.path} -> ${t}`))
  assert.deepEqual(offending, [], 'a declaration names its command code only in a dynamic import() when the command runs')
})
