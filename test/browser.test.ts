/**
 * The browser entry (`haca/browser`, src/browser.ts) in a real browser: esbuild bundles it for
 * the browser platform (the test fails if anything in it pulls a Node built-in), a loopback
 * HTTP server serves the page, Debian's Chromium runs it headless through playwright-core,
 * and the page checks receipts, vouchers, Merkle proofs, state proofs, Nitro attestation
 * documents (real AWS ones and the simulated enclave's, through WebCrypto) and an
 * attestation's policy. Genuine ones must be accepted and tampered ones refused, with the same verdicts as
 * Node computes here through the Node implementations (libsecp256k1, node:crypto, Buffer).
 * Golden vector files (src/protocol/vectors/*.json), where present, run through their check
 * function in the page too.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { builtinModules } from 'node:module'
import { join } from 'node:path'
import { Trie } from '@ethereumjs/trie'
import { build, type Plugin } from 'esbuild'
import { chromium } from 'playwright-core'
import * as haca from '../src/browser.ts'
import { type Hex, fromHex, toHex, utf8 } from '../src/core/bytes.ts'
import { addressOf, privateKeyFromHex } from '../src/core/keys.ts'
import { signReceipt, receiptToHex, receiptToJson, type UnsignedReceipt } from '../src/protocol/receipt.ts'
import { signVoucher, voucherToHex } from '../src/protocol/voucher.ts'
import { merkleLeaf, merkleProof, merkleRoot } from '../src/protocol/merkle.ts'
import { TRIE_HASH } from '../src/ledger/state/verifyStateProof.ts'
import { DevRoot } from '../src/attestation/devRoot.ts'
import { SimulatedEnclave, simulatedEnclavePcrs } from '../src/attestation/simulatedEnclave.ts'
import { attestationBindingDigest } from '../src/attestation/keyBinding.ts'
import { verifyNitroDocument } from '../src/attestation/verifyNitroDocument.ts'
import { cborDecoder } from '../src/attestation/cose.ts'
import { AWS_NITRO_ROOT_G1_FINGERPRINT } from '../src/attestation/trustAnchors.ts'
import { verifyAttestation } from '../src/attestation/verifyAttestation.ts'
import { type VerdictCase, accepts, decodeJson, encodeJson, errorVerdict, nitroVerdict, verdictOf } from './helpers/browserVerdicts.ts'

const ROOT = join(import.meta.dirname, '..')
const CHROMIUM = '/usr/bin/chromium'
const VECTORS_DIR = join(ROOT, 'src/protocol/vectors')
/** The golden-vector check and the protocol's implementations of it (the protocol branch's; absent before it lands). */
const VECTOR_MODULES = ['check.ts', 'impls.ts'].map((f) => join(VECTORS_DIR, f))

const KEY = privateKeyFromHex('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318')
const NODE = addressOf(KEY)
const OTHER_KEY = privateKeyFromHex('0x0000000000000000000000000000000000000000000000000000000000000007')
const h32 = (n: number): Hex => toHex(new Uint8Array(32).fill(n))
const flip = (hex: Hex, at: number): Hex => {
  const b = fromHex(hex)
  const copy = new Uint8Array(b)
  copy[at % copy.length] ^= 1
  return toHex(copy)
}
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

function timed<T>(label: string, started: number, value: T): T {
  console.log(`  ${label}: ${(performance.now() - started).toFixed(0)} ms`)
  return value
}

async function makeCases(): Promise<VerdictCase[]> {
  const cases: VerdictCase[] = []
  // Receipts: genuine, tampered fields, a high-s twin of the signature, another signer, the wire form.
  const unsigned: UnsignedReceipt = { version: 1, id: h32(1), node: NODE, model: 'gpt-4o-mini', mode: 'vanilla', requestHash: h32(2), responseHash: h32(3), price: 1234n, timestamp: 1_760_000_000_000 }
  const receipt = signReceipt(unsigned, KEY)
  const json = receiptToJson(receipt)
  const sig = fromHex(receipt.signature)
  const highS = new Uint8Array(sig)
  const s = BigInt(toHex(sig.subarray(32, 64)))
  highS.set(fromHex(`0x${(N - s).toString(16).padStart(64, '0')}`), 32)
  highS[64] ^= 1
  cases.push(
    { name: 'receipt', expect: 'accept', kind: 'receipt', receipt: json, node: NODE, requestHash: h32(2), maxPrice: '2000' },
    { name: 'receipt, price changed', expect: 'refuse', kind: 'receipt', receipt: { ...json, price: '1235' }, node: NODE },
    { name: 'receipt, model changed', expect: 'refuse', kind: 'receipt', receipt: { ...json, model: 'gpt-4o' }, node: NODE },
    { name: 'receipt, high-s signature', expect: 'refuse', kind: 'receipt', receipt: { ...json, signature: toHex(highS) }, node: NODE },
    { name: 'receipt, signed by another key', expect: 'refuse', kind: 'receipt', receipt: receiptToJson({ ...signReceipt({ ...unsigned, node: addressOf(OTHER_KEY) }, OTHER_KEY), node: NODE }), node: NODE },
    { name: 'receipt, other request', expect: 'refuse', kind: 'receipt', receipt: json, node: NODE, requestHash: h32(9) },
    { name: 'receipt, over the price limit', expect: 'refuse', kind: 'receipt', receipt: json, node: NODE, maxPrice: '1000' },
    { name: 'receipt, malformed signature', expect: 'refuse', kind: 'receipt', receipt: { ...json, signature: '0x1234' }, node: NODE },
    { name: 'receipt wire form', expect: 'accept', kind: 'receiptWire', hex: receiptToHex(receipt), node: NODE },
  )
  const wire = receiptToHex(receipt)
  for (const at of [5, 40, 90, 130, 160, 200]) cases.push({ name: `receipt wire form, byte ${at} flipped`, expect: 'refuse', kind: 'receiptWire', hex: flip(wire, at), node: NODE })

  // Vouchers against their channel: genuine, tampered, replayed, overspent, signed by someone else.
  const client = addressOf(OTHER_KEY)
  const channel = { id: h32(5), client, node: NODE, deposit: '1000', open: true }
  const voucher = signVoucher({ chainId: 'haca-test', channelId: h32(5), cumulative: 300n, requestHash: h32(2) }, OTHER_KEY)
  const vhex = voucherToHex(voucher)
  const base = { kind: 'voucher' as const, chainId: 'haca-test', node: NODE, channel, minCumulative: '200' }
  cases.push(
    { name: 'voucher', expect: 'accept', ...base, hex: vhex },
    { name: 'voucher, replayed (below the minimum)', expect: 'refuse', ...base, hex: vhex, minCumulative: '301' },
    { name: 'voucher, over the deposit', expect: 'refuse', ...base, hex: vhex, channel: { ...channel, deposit: '299' } },
    { name: 'voucher, other chain', expect: 'refuse', ...base, hex: vhex, chainId: 'haca-other' },
    { name: 'voucher, signed by the node, not the client', expect: 'refuse', ...base, hex: voucherToHex(signVoucher({ ...voucher }, KEY)) },
    { name: 'voucher, closed channel', expect: 'refuse', ...base, hex: vhex, channel: { ...channel, open: false } },
  )
  for (const at of [3, 20, 50, 60, 100]) cases.push({ name: `voucher, byte ${at} flipped`, expect: 'refuse', ...base, hex: flip(vhex, at) })

  // Merkle proofs of a batch of 7 entries (an odd level on the way up).
  const leaves = Array.from({ length: 7 }, (_, i) => merkleLeaf(utf8(`entry ${i}`)))
  const root = toHex(merkleRoot(leaves))
  for (const i of [0, 3, 6]) {
    const proof = merkleProof(leaves, i).map((p) => ({ left: p.left, hash: toHex(p.hash) }))
    const leaf = toHex(leaves[i])
    cases.push(
      { name: `merkle proof of entry ${i}`, expect: 'accept', kind: 'merkle', leaf, proof, root },
      { name: `merkle proof of entry ${i}, other leaf`, expect: 'refuse', kind: 'merkle', leaf: flip(leaf, 7), proof, root },
      { name: `merkle proof of entry ${i}, sibling changed`, expect: 'refuse', kind: 'merkle', leaf, proof: proof.map((p, j) => (j === 0 ? { ...p, hash: flip(p.hash, 1) } : p)), root },
      { name: `merkle proof of entry ${i}, sides swapped`, expect: 'refuse', kind: 'merkle', leaf, proof: proof.map((p) => ({ ...p, left: !p.left })), root },
    )
  }

  // State proofs from the ledger's trie format (sha256 Merkle Patricia trie).
  const trie = new Trie({ ...TRIE_HASH })
  for (let i = 0; i < 64; i++) await trie.put(utf8(`acct:${i}`), utf8(`{"balance":"${i * 1000}"}`))
  const stateRoot = toHex(trie.root())
  for (const i of [0, 17, 63]) {
    const key = utf8(`acct:${i}`)
    const proof = (await trie.createProof(key)).map(toHex)
    const value = toHex((await trie.get(key))!)
    cases.push(
      { name: `state proof of key ${i}`, expect: 'accept', kind: 'stateProof', root: stateRoot, key: toHex(key), proof, value },
      { name: `state proof of key ${i}, node byte flipped`, expect: 'refuse', kind: 'stateProof', root: stateRoot, key: toHex(key), proof: proof.map((n, j) => (j === proof.length - 1 ? flip(n, 40) : n)), value },
      { name: `state proof of key ${i}, node left out`, expect: 'refuse', kind: 'stateProof', root: stateRoot, key: toHex(key), proof: proof.slice(0, -1), value },
      { name: `state proof of key ${i}, other root`, expect: 'refuse', kind: 'stateProof', root: flip(stateRoot, 0), key: toHex(key), proof, value },
    )
  }
  const absent = utf8('acct:none')
  cases.push({ name: 'state proof of an absent key, claimed present', expect: 'refuse', kind: 'stateProof', root: stateRoot, key: toHex(absent), proof: (await trie.createProof(absent)).map(toHex), value: '0x01' })

  // An attestation from the simulated enclave (a Nitro-format document under a dev root),
  // verified here; the page checks it against the policy and the node's key binding.
  const T0 = Date.parse('2026-01-01T00:00:00Z')
  const devRoot = await DevRoot.generate({ notBefore: new Date(T0 - 3_600_000) })
  const signingKey = (await import('../src/core/keys.ts')).publicKeyOf(KEY)
  const nonce = new Uint8Array(32).fill(4)
  const enclave = new SimulatedEnclave({ root: devRoot, clock: () => T0 })
  const document = await enclave.attest({ publicKey: signingKey, userData: attestationBindingDigest({ signingKey }), nonce })
  const attestation = encodeJson(verifyNitroDocument(document, { now: T0, trustedRootFingerprints: [devRoot.fingerprint] }))
  const policy = { nitro: [simulatedEnclavePcrs()], maxAgeMs: 600_000 }
  const params = { policy, now: T0 + 1000, signingKey, expectedNonce: nonce }
  cases.push(
    { name: 'attestation policy', expect: 'accept', kind: 'attestationPolicy', attestation, params: encodeJson(params) },
    { name: 'attestation policy, other signing key', expect: 'refuse', kind: 'attestationPolicy', attestation, params: encodeJson({ ...params, signingKey: (await import('../src/core/keys.ts')).publicKeyOf(OTHER_KEY) }) },
    { name: 'attestation policy, measurement not allowed', expect: 'refuse', kind: 'attestationPolicy', attestation, params: encodeJson({ ...params, policy: { ...policy, nitro: [simulatedEnclavePcrs('another image')] } }) },
    { name: 'attestation policy, too old', expect: 'refuse', kind: 'attestationPolicy', attestation, params: encodeJson({ ...params, now: T0 + 3_600_000 }) },
    { name: 'attestation policy, other nonce', expect: 'refuse', kind: 'attestationPolicy', attestation, params: encodeJson({ ...params, expectedNonce: new Uint8Array(32).fill(5) }) },
  )

  // Nitro attestation documents themselves: real AWS ones (a production document, a debug one,
  // one under a self-signed root) and the simulated enclave's, genuine and tampered, verified in
  // the page by verifyNitroDocumentAsync (WebCrypto) and here by verifyNitroDocument (OpenSSL).
  const nitro = (file: string): Hex => toHex(new Uint8Array(Buffer.from(readFileSync(join(ROOT, 'test/fixtures/tee/nitro', file), 'utf8').trim(), 'base64')))
  const aws = nitro('nitro_attestation.b64')
  const awsAt = Date.parse('2024-09-07T14:37:39.545Z')
  const AWS = [AWS_NITRO_ROOT_G1_FINGERPRINT]
  const documentHex = toHex(document)
  const leafSignatureAt = (hex: Hex): number => {
    // The leaf certificate's last bytes are its signature; find the leaf inside the document.
    const payload = (cborDecoder.decode((cborDecoder.decode(fromHex(hex)) as Uint8Array[])[2]) as Map<string, Uint8Array>).get('certificate')!
    return hex.indexOf(toHex(payload).slice(2)) / 2 - 1 + payload.length - 5
  }
  cases.push(
    { name: 'nitro document (AWS)', expect: 'accept', kind: 'nitroDocument', document: aws, now: awsAt, trustedRootFingerprints: AWS },
    { name: 'nitro document (AWS, debug enclave)', expect: 'accept', kind: 'nitroDocument', document: nitro('nitro_attestation_debug.b64'), now: Date.parse('2024-09-07T14:38:06.508Z'), trustedRootFingerprints: AWS },
    { name: 'nitro document (self-signed root)', expect: 'refuse', kind: 'nitroDocument', document: nitro('selfsigned_attestation.b64'), now: Date.parse('2024-04-17T18:51:46Z'), trustedRootFingerprints: AWS },
    { name: 'nitro document (AWS), a day later', expect: 'refuse', kind: 'nitroDocument', document: aws, now: awsAt + 86_400_000, trustedRootFingerprints: AWS },
    { name: 'nitro document (AWS), under a dev root only', expect: 'refuse', kind: 'nitroDocument', document: aws, now: awsAt, trustedRootFingerprints: [devRoot.fingerprint] },
    { name: 'nitro document (AWS), leaf signature flipped', expect: 'refuse', kind: 'nitroDocument', document: flip(aws, leafSignatureAt(aws)), now: awsAt, trustedRootFingerprints: AWS },
    { name: 'simulated nitro document', expect: 'accept', kind: 'nitroDocument', document: documentHex, now: T0 + 1000, trustedRootFingerprints: [devRoot.fingerprint] },
    { name: 'simulated nitro document, leaf expired', expect: 'refuse', kind: 'nitroDocument', document: documentHex, now: T0 + 4 * 3_600_000, trustedRootFingerprints: [devRoot.fingerprint] },
    { name: 'simulated nitro document, under the AWS root', expect: 'refuse', kind: 'nitroDocument', document: documentHex, now: T0, trustedRootFingerprints: AWS },
    { name: 'simulated nitro document, leaf signature flipped', expect: 'refuse', kind: 'nitroDocument', document: flip(documentHex, leafSignatureAt(documentHex)), now: T0, trustedRootFingerprints: [devRoot.fingerprint] },
    { name: 'simulated nitro document, COSE signature flipped', expect: 'refuse', kind: 'nitroDocument', document: flip(documentHex, fromHex(documentHex).length - 3), now: T0, trustedRootFingerprints: [devRoot.fingerprint] },
  )
  // The document and its policy in one call, as a browser client checks a node.
  const nitroParams = { policy, now: T0 + 1000, signingKey, expectedNonce: nonce, trustedRootFingerprints: [devRoot.fingerprint] }
  cases.push(
    { name: 'nitro attestation with policy', expect: 'accept', kind: 'nitroAttestation', document: documentHex, params: encodeJson(nitroParams) },
    { name: 'nitro attestation with policy, other nonce', expect: 'refuse', kind: 'nitroAttestation', document: documentHex, params: encodeJson({ ...nitroParams, expectedNonce: new Uint8Array(32).fill(5) }) },
    { name: 'nitro attestation with policy, under the AWS root', expect: 'refuse', kind: 'nitroAttestation', document: documentHex, params: encodeJson({ ...nitroParams, trustedRootFingerprints: AWS }) },
    { name: 'nitro attestation with policy, tampered', expect: 'refuse', kind: 'nitroAttestation', document: flip(documentHex, leafSignatureAt(documentHex)), params: encodeJson(nitroParams) },
  )
  // One flipped bit every 97 bytes through the AWS document (payload, each certificate, signature).
  for (let at = 3; at < fromHex(aws).length; at += 97) {
    cases.push({ name: `nitro document (AWS), byte ${at} flipped`, expect: 'refuse', kind: 'nitroDocument', document: flip(aws, at), now: awsAt, trustedRootFingerprints: AWS })
  }

  // Request hashes (canonical JSON, then sha256): the digest a receipt's requestHash must equal.
  for (const body of [{ model: 'm', messages: [{ role: 'user', content: 'héllo ✓' }], temperature: 0.5 }, { b: [1, 2.5, -0, 1e21], a: { z: null, y: true } }, [] as unknown[]]) {
    cases.push({ name: `request hash of ${JSON.stringify(body).slice(0, 30)}`, expect: 'accept', kind: 'requestHash', body })
  }
  cases.push({ name: 'request hash of a body JSON cannot carry', expect: 'refuse', kind: 'requestHash', body: { n: Number.NaN } })
  return cases
}

/** Node's verdict on a Nitro document comes from verifyNitroDocument / verifyAttestation (node:crypto), the reference the page's WebCrypto verifier must match. */
function nodeNitroVerdict(c: Extract<VerdictCase, { kind: 'nitroDocument' | 'nitroAttestation' }>): string {
  try {
    if (c.kind === 'nitroAttestation') {
      const att = verifyAttestation({ kind: 'nitro', document: fromHex(c.document) }, decodeJson(c.params) as Parameters<typeof verifyAttestation>[1])
      if (att.kind !== 'nitro') throw new Error('not a Nitro attestation')
      return nitroVerdict(att)
    }
    return nitroVerdict(verifyNitroDocument(fromHex(c.document), { now: c.now, trustedRootFingerprints: c.trustedRootFingerprints }))
  } catch (err) {
    return errorVerdict(err)
  }
}

/** Fails the bundle on any import of a Node built-in, naming the importer. */
function noNodeBuiltins(pulled: string[]): Plugin {
  const builtins = new Set(builtinModules)
  return {
    name: 'no-node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.replace(/^node:/, '').split('/')[0]
        if (args.path.startsWith('node:') || (builtins.has(bare) && !args.path.startsWith('.'))) {
          pulled.push(`${args.path} (from ${args.importer.replace(`${ROOT}/`, '')})`)
          return { path: args.path, external: true }
        }
        return undefined
      })
    },
  }
}

/** The page's script: the browser entry on `globalThis.haca`, the verdict runner, and the vector check when it exists. */
function pageEntry(withVectors: boolean): string {
  return [
    `import * as haca from './src/browser.ts'`,
    `import { verdictOf } from './test/helpers/browserVerdicts.ts'`,
    withVectors ? `import { checkVectors } from './src/protocol/vectors/check.ts'\nimport { VECTOR_IMPLS } from './src/protocol/vectors/impls.ts'` : '',
    `globalThis.haca = haca`,
    `globalThis.verdictOf = (c) => verdictOf(haca, c)`,
    withVectors ? `globalThis.vectors = { checkVectors, VECTOR_IMPLS }` : '',
  ].join('\n')
}

test('the browser entry, bundled for browsers, gives Node\'s verdicts in Chromium', { timeout: 180_000 }, async (t) => {
  let started = performance.now()
  const cases = timed('cases made in Node', started, await makeCases())
  const nodeVerdicts = await Promise.all(cases.map((c) => (c.kind === 'nitroDocument' || c.kind === 'nitroAttestation' ? nodeNitroVerdict(c) : verdictOf(haca, c))))
  for (const [i, c] of cases.entries()) assert.equal(accepts(nodeVerdicts[i]), c.expect === 'accept', `Node: ${c.name} → ${nodeVerdicts[i]}`)

  const withVectors = VECTOR_MODULES.every((f) => existsSync(f))
  started = performance.now()
  const pulled: string[] = []
  const bundle = await build({
    stdin: { contents: pageEntry(withVectors), resolveDir: ROOT, sourcefile: 'page.ts', loader: 'ts' },
    bundle: true, platform: 'browser', format: 'iife', target: 'es2022', write: false, metafile: true, logLevel: 'silent',
    plugins: [noNodeBuiltins(pulled)],
  })
  assert.deepEqual(pulled, [], `the browser bundle pulls Node built-ins: ${pulled.join(', ')}`)
  const inputs = Object.keys(bundle.metafile.inputs)
  // The browser twins replaced the Node implementations, and no native addon came in.
  for (const twin of ['secp256k1', 'hash', 'bytesPlatform']) {
    assert.ok(inputs.includes(`src/core/${twin}.browser.ts`), `${twin}.browser.ts in the bundle`)
    assert.ok(!inputs.includes(`src/core/${twin}.ts`), `${twin}.ts (Node's) not in the bundle`)
  }
  assert.ok(!inputs.some((i) => /node_modules\/(secp256k1|js-sha3|@ethereumjs\/trie)\//.test(i)), 'no native secp256k1, js-sha3 or trie library')
  const script = bundle.outputFiles[0].contents
  timed(`bundle (${(script.length / 1024).toFixed(0)} KiB, ${inputs.length} inputs)`, started, null)

  const server = createServer((req, res) => {
    if (req.url === '/haca.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
    else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><title>haca</title><script src="/haca.js"></script>')
    else res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  t.after(() => server.close())

  started = performance.now()
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true })
  t.after(() => browser.close())
  const page = await browser.newPage()
  const pageErrors: string[] = []
  page.on('pageerror', (err) => pageErrors.push(err.message))
  await page.goto(`http://127.0.0.1:${port}/`)
  timed('Chromium started, page loaded', started, null)
  assert.deepEqual(pageErrors, [])
  // Nothing Node-shaped to lean on in the page.
  assert.deepEqual(await page.evaluate(() => [typeof (globalThis as { Buffer?: unknown }).Buffer, typeof (globalThis as { process?: unknown }).process, typeof (globalThis as { haca?: unknown }).haca]), ['undefined', 'undefined', 'object'])

  started = performance.now()
  const browserVerdicts = await page.evaluate((all) => Promise.all(all.map((c) => (globalThis as unknown as { verdictOf: (c: unknown) => Promise<string> }).verdictOf(c))), cases)
  timed(`${cases.length} cases verified in Chromium`, started, null)
  for (const [i, c] of cases.entries()) assert.equal(browserVerdicts[i], nodeVerdicts[i], `Chromium and Node differ on "${c.name}"`)
  const accepted = cases.filter((c) => c.expect === 'accept').length
  console.log(`  verdicts agree: ${accepted} accepted, ${cases.length - accepted} refused, in both`)

  await t.test('golden vector files run through their check in the page', { skip: withVectors ? false : 'src/protocol/vectors/{check,impls}.ts not here yet' }, async () => {
    const files = readdirSync(VECTORS_DIR).filter((f) => f.endsWith('.json')).sort()
    assert.ok(files.length > 0, 'vector files found')
    for (const f of files) {
      const file = JSON.parse(readFileSync(join(VECTORS_DIR, f), 'utf8')) as { format: string }
      const failures = await page.evaluate(([format, body]) => {
        const v = (globalThis as unknown as { vectors: { checkVectors: (f: string, file: unknown, impl: unknown) => string[]; VECTOR_IMPLS: Record<string, unknown> } }).vectors
        return v.checkVectors(format, body, v.VECTOR_IMPLS[format])
      }, [file.format, file] as const)
      assert.deepEqual(failures, [], `${f} in Chromium`)
    }
    console.log(`  ${files.length} vector files pass in Chromium`)
  })
  assert.deepEqual(pageErrors, [])
})
