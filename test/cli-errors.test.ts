/**
 * What the CLI prints when it cannot reach a node: the URL it tried (credentials stripped),
 * what went wrong, and what to do; JSON on stderr with --json; the stack only with --verbose;
 * a non-zero exit. Through the real entry point, as a child process, against real sockets.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { type AddressInfo, createServer as createTcpServer } from 'node:net'
import { toHex } from '../src/core/bytes.ts'
import { generatePrivateKey } from '../src/core/keys.ts'
import { buildTransferTx } from '../src/ledger/accounts/tx.ts'

type Run = { code: number; stdout: string; stderr: string; ms: number }

function haca(...args: string[]): Promise<Run> {
  const started = Date.now()
  return new Promise((resolve) => {
    execFile('node', ['bin/haca.js', ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr, ms: Date.now() - started })
    })
  })
}

async function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return (server.address() as AddressInfo).port
}

/** A port nothing listens on: bound, then closed. */
async function refusedPort(): Promise<number> {
  const s = createTcpServer()
  const port = await listen(s)
  await new Promise((r) => s.close(r))
  return port
}

let failing: Server
let failingPort: number
let hanging: ReturnType<typeof createTcpServer>
let hangingPort: number
const held: Array<{ destroy(): void }> = []

before(async () => {
  failing = createServer((_req, res) => {
    res.writeHead(500, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ error: { message: 'database is down' } }))
  })
  failingPort = await listen(failing)
  // Accepts connections and never answers.
  hanging = createTcpServer((socket) => held.push(socket))
  hangingPort = await listen(hanging)
})

after(async () => {
  for (const s of held) s.destroy()
  await new Promise((r) => hanging.close(r))
  await new Promise((r) => failing.close(r))
})

test('a refused port: the URL, "connection refused", what to do; no stack; exit 1', async () => {
  const port = await refusedPort()
  const r = await haca('query', 'block', '--node', `http://127.0.0.1:${port}`)
  assert.equal(r.code, 1)
  assert.equal(r.stdout, '')
  assert.match(r.stderr, new RegExp(`^error: cannot reach ledger node at http://127\\.0\\.0\\.1:${port}/: connection refused\\n`))
  assert.match(r.stderr, /\nhint: nothing is listening there\. Is a node running there\? Start one with `haca dev`, or pass --node/)
  assert.doesNotMatch(r.stderr, /TypeError|fetch failed|\n\s+at /)
})

test('--json: { error: { code, message, hint } } on stderr; credentials are not printed', async () => {
  const port = await refusedPort()
  const r = await haca('query', 'account', '0x0000000000000000000000000000000000000001', '--node', `http://alice:s3cret@127.0.0.1:${port}`, '--json')
  assert.equal(r.code, 1)
  const { error } = JSON.parse(r.stderr) as { error: { code: string; message: string; hint?: string } }
  assert.equal(error.code, 'connection_refused')
  assert.equal(error.message, `cannot reach ledger node at http://127.0.0.1:${port}/: connection refused`)
  assert.match(error.hint ?? '', /haca dev/)
  assert.doesNotMatch(r.stderr, /s3cret|alice/)
})

test('a server that answers 500: the status and the message from its body', async () => {
  const r = await haca('query', 'block', '--node', `http://127.0.0.1:${failingPort}`)
  assert.equal(r.code, 1)
  assert.match(r.stderr, new RegExp(`^error: ledger node at http://127\\.0\\.0\\.1:${failingPort}/ answered HTTP 500 Internal Server Error: database is down\\n`))
  assert.match(r.stderr, /\nhint: the server failed on its side/)
  const signed = toHex(buildTransferTx({ chainId: 'c', nonce: 0n, fee: 1n, to: `0x${'11'.repeat(20)}`, amount: 1n }, generatePrivateKey()).bytes)
  const j = await haca('tx', 'broadcast', signed, '--node', `http://127.0.0.1:${failingPort}`, '--json')
  assert.equal(j.code, 1)
  assert.equal((JSON.parse(j.stderr) as { error: { code: string } }).error.code, 'http_status')
})

test('a server that never answers: --timeout bounds the wait, and the error says so', async () => {
  const r = await haca('query', 'block', '--node', `http://127.0.0.1:${hangingPort}`, '--timeout', '400', '--json')
  assert.equal(r.code, 1)
  const { error } = JSON.parse(r.stderr) as { error: { code: string; message: string; hint: string } }
  assert.equal(error.code, 'timeout')
  assert.equal(error.message, `cannot reach ledger node at http://127.0.0.1:${hangingPort}/: no answer within 400 ms`)
  assert.match(error.hint, /--timeout/)
  assert.ok(r.ms < 10_000, `took ${r.ms} ms`)
  const bad = await haca('query', 'block', '--node', `http://127.0.0.1:${hangingPort}`, '--timeout', 'soon')
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /^error: --timeout "soon" is not a number of milliseconds/)
})

test('an unknown host: the DNS lookup failed, quickly (no network needed)', async () => {
  const r = await haca('query', 'block', '--node', 'http://no-such-host.invalid:26657')
  assert.equal(r.code, 1)
  assert.match(r.stderr, /^error: cannot reach ledger node at http:\/\/no-such-host\.invalid:26657\/: DNS lookup for no-such-host\.invalid failed/)
  assert.match(r.stderr, /\nhint: check the host name/)
  assert.ok(r.ms < 15_000, `took ${r.ms} ms`)
})

test('--verbose adds the stack and its causes', async () => {
  const port = await refusedPort()
  const r = await haca('query', 'block', '--node', `http://127.0.0.1:${port}`, '--verbose')
  assert.equal(r.code, 1)
  assert.match(r.stderr, /^error: cannot reach ledger node/)
  assert.match(r.stderr, /\nNetworkError: cannot reach ledger node[^\n]*\n\s+at /)
  assert.match(r.stderr, /\ncaused by: Error: connect ECONNREFUSED/)
})

test('a usage error is JSON with --json, and exits non-zero', async () => {
  const r = await haca('query', 'block', '--no-such-option', '--json')
  assert.notEqual(r.code, 0)
  assert.deepEqual(JSON.parse(r.stderr), { error: { code: 'usage', message: "unknown option '--no-such-option'" } })
})
