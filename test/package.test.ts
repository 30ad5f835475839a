/**
 * The package as users get it: `npm pack` (which builds dist/ through `prepack`), the tarball
 * installed into a plain JavaScript project (`type: module`, no TypeScript tooling), its
 * library used from an `.mjs` with plain `node` (a receipt signed here verified there, a
 * tampered one refused, a client that fails cleanly against a closed port), its `haca` bin
 * run, its `haca/browser` entry bundled for browsers from the installed files, and its types
 * checked from a TypeScript project (NodeNext) with this checkout's tsc.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { type Hex, toHex } from '../src/core/bytes.ts'
import { addressOf, privateKeyFromHex } from '../src/core/keys.ts'
import { receiptToJson, signReceipt } from '../src/protocol/receipt.ts'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..')
const TSC = join(ROOT, 'node_modules/.bin/tsc')
const VERSION = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
// onnxruntime-node's install script would fetch CUDA binaries; its CPU build ships in the package.
const ENV = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_update_notifier: 'false' }

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const started = performance.now()
  const value = await f()
  console.log(`  ${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`)
  return value
}

const CONSUMER_MJS = `
import { readFile } from 'node:fs/promises'
import { HacaClient, BaseError, hashRequest, receiptFromJson, verifyReceipt } from 'haca'
import * as browser from 'haca/browser'

const { receipt, node } = JSON.parse(await readFile(new URL('./receipt.json', import.meta.url), 'utf8'))
const genuine = verifyReceipt(receiptFromJson(receipt), { node })
const tampered = verifyReceipt(receiptFromJson({ ...receipt, price: String(BigInt(receipt.price) + 1n) }), { node })
const viaBrowserEntry = browser.verifyReceipt(browser.receiptFromJson(receipt), { node })

// A client whose only node is a closed port: the request must fail with a typed error, not hang or crash.
const client = new HacaClient({ nodes: [{ url: 'http://127.0.0.1:9', address: node }], timeoutMs: 5000, maxAttempts: 1 })
let clientError
try {
  await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
} catch (err) {
  clientError = { name: err.name, code: err.code, isBaseError: err instanceof BaseError }
}
console.log(JSON.stringify({ genuine, tampered, viaBrowserEntry: viaBrowserEntry.ok, requestHash: hashRequest({ a: 1 }), clientError }))
`

const CONSUMER_TS = `
import { HacaClient, verifyReceipt, receiptFromJson, type Receipt, type ReceiptJson, type VerifyReceiptResult } from 'haca'
import { verifyMerkleProof, verifyStateProof, type MerkleProof } from 'haca/browser'

export function check(json: ReceiptJson, node: \`0x\${string}\`): boolean {
  const receipt: Receipt = receiptFromJson(json)
  const result: VerifyReceiptResult = verifyReceipt(receipt, { node, maxPrice: 10n })
  return result.ok ? result.signer === node : result.failed === 'signature'
}
export const client = new HacaClient({ nodes: [{ url: 'http://127.0.0.1:8080', address: '0x0000000000000000000000000000000000000001' }] })
export const proofOk = (leaf: Uint8Array, proof: MerkleProof, root: Uint8Array): boolean => verifyMerkleProof(leaf, proof, root)
export const state: Promise<Uint8Array | undefined> = verifyStateProof(new Uint8Array(32), new Uint8Array(1), [])

// The types are real, not \`any\`: each line below must be an error.
// @ts-expect-error price is a bigint
export const badPrice: Receipt['price'] = '1'
// @ts-expect-error a client needs nodes, a directory or a ledger
export const noNodes = new HacaClient({})
// @ts-expect-error no such export
export { notThere } from 'haca'
`

test('npm pack gives a package that installs and works in a plain JavaScript project, and type-checks from TypeScript', { timeout: 300_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'haca-package-'))
  t.after(() => rm(dir, { recursive: true, force: true }))

  const [packed] = await timed('npm pack (builds dist/)', async () => {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, env: ENV, maxBuffer: 64 << 20 })
    // Lifecycle scripts (prepack's build) may print before the JSON.
    return JSON.parse(stdout.slice(stdout.search(/^\[/m))) as Array<{ filename: string; files: Array<{ path: string }> }>
  })
  const files = packed.files.map((f) => f.path)
  // What a user needs and nothing else: compiled code, types, workers, the bin; no sources or tests.
  for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/browser.js', 'dist/browser.d.ts', 'dist/cli/main.js', 'bin/haca.js', 'package.json', 'README.md', 'dist/nodes/inference/runtimes/onnxWorker.mjs', 'dist/storage/blobIdWorker.mjs', 'dist/storage/fileSinkWorker.mjs', 'dist/core/secp256k1.browser.js']) {
    assert.ok(files.includes(f), `${f} is in the tarball`)
  }
  const stray = files.filter((f) => !/^(dist\/|bin\/haca\.js$|package\.json$|README\.md$|LICENSE)/.test(f) || /\.test\.|\.ts$/.test(f.replace(/\.d\.ts$/, '')))
  assert.deepEqual(stray, [], 'nothing but dist/, the bin, package.json, README and licence')

  const app = join(dir, 'app')
  await mkdir(app)
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'haca-consumer', private: true, type: 'module' }))
  await timed('npm install of the tarball', () => run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(dir, packed.filename)], { cwd: app, env: ENV, maxBuffer: 64 << 20 }))

  // The library from plain JavaScript.
  const key = privateKeyFromHex('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318')
  const node = addressOf(key)
  const h = (n: number): Hex => toHex(new Uint8Array(32).fill(n))
  const receipt = signReceipt({ version: 1, id: h(1), node, model: 'm', mode: 'vanilla', requestHash: h(2), responseHash: h(3), price: 42n, timestamp: 1_760_000_000_000 }, key)
  await writeFile(join(app, 'receipt.json'), JSON.stringify({ receipt: receiptToJson(receipt), node }))
  await writeFile(join(app, 'consumer.mjs'), CONSUMER_MJS)
  const out = await timed('plain node runs the consumer', () => run(process.execPath, ['consumer.mjs'], { cwd: app, env: ENV }))
  const result = JSON.parse(out.stdout) as { genuine: { ok: boolean; signer?: string }; tampered: { ok: boolean; failed?: string }; viaBrowserEntry: boolean; requestHash: string; clientError?: { name: string; code: string; isBaseError: boolean } }
  assert.deepEqual(result.genuine, { ok: true, signer: node })
  assert.equal(result.tampered.ok, false)
  assert.equal(result.tampered.failed, 'signature')
  assert.equal(result.viaBrowserEntry, true)
  assert.match(result.requestHash, /^0x[0-9a-f]{64}$/)
  assert.ok(result.clientError, 'the client against a closed port threw')
  assert.equal(result.clientError.isBaseError, true, `a haca error: ${JSON.stringify(result.clientError)}`)
  assert.match(result.clientError.name, /Error$/)
  assert.ok(result.clientError.code && result.clientError.code !== 'error', `a specific code: ${result.clientError.code}`)

  // The bin runs the compiled CLI (no tsx in this project).
  const bin = join(app, 'node_modules/.bin/haca')
  const version = await timed('haca --version', () => run(bin, ['--version'], { cwd: app, env: ENV }))
  assert.equal(version.stdout.trim(), VERSION)
  const help = await run(bin, ['--help'], { cwd: app, env: ENV })
  assert.match(help.stdout, /^Usage: haca /m)
  for (const command of ['dev', 'devnet', 'node', 'keys', 'infer', 'chat', 'receipt']) assert.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'), `--help lists ${command}`)
  await assert.rejects(run(process.execPath, ['--input-type=module', '-e', 'await import("tsx")'], { cwd: app }), /Cannot find package 'tsx'/, 'tsx is not installed in the consumer')

  // haca/browser from the installed files, bundled for browsers: the browser field swaps the Node implementations.
  const pulled: string[] = []
  const bundle = await timed('esbuild bundles the installed haca/browser', () => build({
    stdin: { contents: `export * from 'haca/browser'`, resolveDir: app, loader: 'js' },
    absWorkingDir: app, bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent',
    plugins: [{ name: 'no-node-builtins', setup(b) { b.onResolve({ filter: /.*/ }, (a) => (a.path.startsWith('node:') || builtinModules.includes(a.path) ? (pulled.push(`${a.path} from ${a.importer}`), { path: a.path, external: true }) : undefined)) } }],
  }))
  assert.deepEqual(pulled, [])
  const inputs = Object.keys(bundle.metafile.inputs)
  assert.ok(inputs.includes('node_modules/haca/dist/core/secp256k1.browser.js'), 'the browser secp256k1 is bundled')
  assert.ok(!inputs.includes('node_modules/haca/dist/core/secp256k1.js'), 'the native one is not')

  // Types, from a TypeScript project that resolves like Node (NodeNext) and checks the shipped .d.ts files too.
  await writeFile(join(app, 'consumer.ts'), CONSUMER_TS)
  await writeFile(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ['consumer.ts'] }))
  const tsc = await timed('tsc type-checks the consumer', () => run(TSC, ['-p', app], { cwd: app }).then((r) => ({ ok: true, out: r.stdout }), (err: { stdout: string }) => ({ ok: false, out: err.stdout })))
  assert.equal(tsc.ok, true, `tsc: ${tsc.out}`)
  // And the same project refuses a wrong use of the types (the check above is not vacuous).
  await writeFile(join(app, 'consumer.ts'), `${CONSUMER_TS}\nexport const wrong: boolean = verifyReceipt({} as Receipt).signer\n`)
  const wrong = await run(TSC, ['-p', app], { cwd: app }).then(() => '', (err: { stdout: string }) => err.stdout)
  assert.match(wrong, /consumer\.ts\(\d+,\d+\): error TS2339: Property 'signer' does not exist/)
})
