/**
 * Writes the protocol's golden vectors, src/protocol/vectors/<format>.json, from the case
 * inputs below and the fixed test key. Run once when a format is added (never by tests: the
 * committed files are the reference every implementation is checked against, so regenerating
 * them after a format change would hide the change). Refuses to overwrite a file that differs
 * unless given --force.
 * Usage: node --import tsx scripts/make-protocol-vectors.ts [--print] [--force]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { type Hex, toHex, utf8 } from '../src/core/bytes.ts'
import { sha256 } from '../src/core/hash.ts'
import { addressOf } from '../src/core/keys.ts'
import { signAndEncodeReceipt } from '../src/protocol/receipt.ts'
import { channelTotals } from '../src/protocol/settlementBatch.ts'
import { VECTOR_IMPLS, type VectorFormat } from '../src/protocol/vectors/impls.ts'
import type { VectorCase, VectorFile, VectorHex } from '../src/protocol/vectors/check.ts'

const { values: options } = parseArgs({ options: { print: { type: 'boolean' }, force: { type: 'boolean' } } })

/** A well-known test key (public: never holds value anywhere). */
const PRIVATE_KEY: VectorHex = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'
const KEY = Buffer.from(PRIVATE_KEY.slice(2), 'hex')
const ADDRESS = addressOf(KEY)
const h = (label: string) => toHex(sha256(utf8(label)))
const CHAIN = 'haca-devnet'
const CHANNEL_A = h('channel a')
const CHANNEL_B = h('channel b')

type Input = { name: string; fields: Record<string, unknown>; input?: string; note?: string }

const receipts: Input[] = [
  { name: 'vanilla, smallest integers (price 0 and timestamp 0 are empty byte strings)', fields: { version: 1, id: h('receipt 1'), node: ADDRESS, model: 'resnet-18', mode: 'vanilla', requestHash: h('request 1'), responseHash: h('response 1'), price: '0', timestamp: 0 } },
  { name: 'tee, a typical LLM answer', fields: { version: 1, id: h('receipt 2'), node: ADDRESS, model: 'SmolLM2-135M-Instruct', mode: 'tee', requestHash: h('request 2'), responseHash: h('response 2'), price: '1500', timestamp: 1_765_000_000_000 } },
  { name: 'zkml, price 2^128 - 1, largest safe timestamp, non-ASCII model name', fields: { version: 1, id: h('receipt 3'), node: ADDRESS, model: 'модель/ζ-✓😀', mode: 'zkml', requestHash: h('request 3'), responseHash: h('response 3'), price: (2n ** 128n - 1n).toString(), timestamp: Number.MAX_SAFE_INTEGER } },
  { name: '256-byte model name (long RLP string form)', fields: { version: 1, id: h('receipt 4'), node: ADDRESS, model: 'm'.repeat(256), mode: 'vanilla', requestHash: h('request 4'), responseHash: h('response 4'), price: '1', timestamp: 1_765_000_000_001 } },
]

const requests: Input[] = [
  { name: 'a chat completion request', fields: { value: { model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }], temperature: 0.2, max_tokens: 64, stream: false } } },
  { name: 'an infer request with a JSON tensor', fields: { value: { model: 'resnet-18', inputs: { x: { type: 'float32', dims: [1, 4], data: [0.1, -2.5, 1e21, 5e-324] } } } } },
  { name: 'numbers in their shortest round-trip form', fields: { value: [0, 1, -1, 0.1, 0.30000000000000004, 1e21, 1e-7, 123456789012345680000, 1.7976931348623157e308, -1.5e-10, 9007199254740992, 100] } },
  { name: 'keys sorted by UTF-16 code unit (an astral character before U+FFFF)', fields: { value: { '\uffff': 1, '😀': 2, 'é': 3, 'e\u0301': 4, 'Z': 5, 'a': 6, '': 7, '10': 8, '9': 9 } } },
  { name: 'strings that need escaping, a lone surrogate, U+2028', fields: { value: { s: 'quote " backslash \\ newline \n tab \t nul \u0000 del \u007f sep \u2028 lone \ud800 emoji 😀 </script>' } } },
  { name: 'nested arrays, nulls, booleans and empty containers', fields: { value: { a: [], b: {}, c: [null, true, false, [1, [2, [3]]]], d: null } } },
  {
    name: 'a body formatted another way hashes the same (whitespace, key order, 1.0, 1E2, -0, \\u escapes)',
    input: '{ "stream" : false ,\n  "model":"m", "n": 1.0, "x": 1E2, "y": -0, "z": "\\u0041\\u00e9" }',
    fields: { value: { stream: false, model: 'm', n: 1, x: 100, y: 0, z: 'Aé' } },
  },
]

const tensors: Input[] = [
  { name: 'float32 2x2: a half, a negative, the largest float32, the smallest denormal', fields: { type: 'float32', dims: [2, 2], values: [0.5, -1.25, 3.4028234663852886e38, 1.401298464324817e-45] } },
  { name: 'float64', fields: { type: 'float64', dims: [2], values: [0.1, -1e300] } },
  { name: 'int64 extremes (decimal strings)', fields: { type: 'int64', dims: [3], values: ['-9223372036854775808', '0', '9223372036854775807'] } },
  { name: 'uint64 extremes', fields: { type: 'uint64', dims: [2], values: ['0', '18446744073709551615'] } },
  { name: 'uint8 2x2', fields: { type: 'uint8', dims: [2, 2], values: [0, 1, 254, 255] } },
  { name: 'int16 extremes', fields: { type: 'int16', dims: [3], values: [-32768, 0, 32767] } },
  { name: 'bool (one byte each, 0 or 1)', fields: { type: 'bool', dims: [1, 3], values: [true, false, true] } },
]

const receiptIds: Input[] = [
  { name: 'first answer of a process', fields: { node: ADDRESS, requestHash: h('request 1'), salt: toHex(Uint8Array.from({ length: 16 }, (_, i) => i)), counter: '1' } },
  { name: 'largest counter', fields: { node: ADDRESS, requestHash: h('request 2'), salt: toHex(new Uint8Array(16).fill(0xff)), counter: (2n ** 64n - 1n).toString() } },
]

const channelIds: Input[] = [
  { name: 'a client\'s first channel (nonce 0, an empty byte string)', fields: { client: ADDRESS, node: toHex(sha256(utf8('node')).subarray(0, 20)), nonce: '0' } },
  { name: 'a later nonce', fields: { client: ADDRESS, node: toHex(sha256(utf8('node')).subarray(0, 20)), nonce: '1000' } },
]

const vouchers: Input[] = [
  { name: 'the first voucher of a channel', fields: { chainId: CHAIN, channelId: CHANNEL_A, cumulative: '1', requestHash: h('request 1') } },
  { name: 'cumulative 2^256 - 1, non-ASCII chain id', fields: { chainId: 'haca-τεστ', channelId: CHANNEL_B, cumulative: (2n ** 256n - 1n).toString(), requestHash: h('request 2') } },
  { name: 'a 64-byte chain id (the longest allowed)', fields: { chainId: 'c'.repeat(64), channelId: CHANNEL_A, cumulative: '1000000000000000000', requestHash: h('request 3') } },
]

/** Receipts signed by the test key, as a node puts them in a batch. */
const batchReceipts = Array.from({ length: 5 }, (_, i) => signAndEncodeReceipt({
  version: 1, id: h(`batch receipt ${i + 1}`), node: ADDRESS, model: 'resnet-18', mode: 'vanilla',
  requestHash: h(`batch request ${i + 1}`), responseHash: h(`batch response ${i + 1}`), price: BigInt(10 * (i + 1)), timestamp: 1_765_000_000_000 + i,
}, KEY))
const batchOf = (channels: Hex[]) => channels.map((channelId, i) => ({ receipt: batchReceipts[i], channelId }))
const batches = {
  one: batchOf([CHANNEL_A]),
  three: batchOf([CHANNEL_A, CHANNEL_B, CHANNEL_A]),
  five: batchOf([CHANNEL_A, CHANNEL_B, CHANNEL_A, CHANNEL_A, CHANNEL_B]),
}
const entriesJson = (b: typeof batches.one) => b.map((e) => ({ receipt: toHex(e.receipt.wire), channelId: e.channelId }))

const batchEntries: Input[] = [
  { name: 'one entry: the root is its leaf, its proof is empty', fields: { entries: entriesJson(batches.one) } },
  { name: 'three entries on two channels: the odd node moves up unchanged', fields: { entries: entriesJson(batches.three) } },
  { name: 'five entries', fields: { entries: entriesJson(batches.five) } },
]

const rootOf = (b: typeof batches.one) => (VECTOR_IMPLS['batch-entries'].encode({ entries: entriesJson(b) }, PRIVATE_KEY).root as Hex)
const summaryOf = (b: typeof batches.one) => ({
  chainId: CHAIN, node: ADDRESS, root: rootOf(b), count: b.length,
  totals: channelTotals(b.map((e) => ({ receipt: e.receipt.receipt, channelId: e.channelId }))).map((t) => ({ channelId: t.channelId, total: t.total.toString() })),
})
const batchSummaries: Input[] = [
  { name: 'the three-entry batch of batch-entries.json', fields: summaryOf(batches.three) },
  { name: 'the five-entry batch of batch-entries.json', fields: summaryOf(batches.five) },
]

const recordOf = (b: typeof batches.one, extra: { blobId: string; height: number }) => ({
  node: ADDRESS, count: b.length, ...extra,
  amount: b.reduce((sum, e) => sum + e.receipt.receipt.price, 0n).toString(),
  entries: b.map((e) => ({ receiptId: e.receipt.receipt.id, receiptHash: toHex(sha256(e.receipt.wire)) })),
})
const settledBatches: Input[] = [
  { name: 'the three-entry batch, settled with no blob copy', fields: recordOf(batches.three, { blobId: '', height: 42 }) },
  { name: 'the five-entry batch, with a Walrus blob ID', fields: recordOf(batches.five, { blobId: 'M4hsZGQ1oCktdzegB6HnI1Mx0MkDmS2Pn0qBwNdzfbA', height: 1_234_567 }) },
]

const FORMATS: Record<VectorFormat, { description: string; inputs: Input[] }> = {
  'receipt': {
    description: 'Inference receipt (protocol/receipt.ts). bytes = wire form RLP([version, id(32), node(20), model, mode, requestHash(32), responseHash(32), price, timestamp, signature(65)]); digest = keccak256("haca/inference-receipt/v1\\n" ‖ RLP of the first nine items); signature = r ‖ s ‖ v (v 0/1, low s) by the node key over digest.',
    inputs: receipts,
  },
  'request-hash': {
    description: 'Request hash (protocol/canonicalJson.ts). bytes = UTF-8 of the canonical JSON of the request body (keys sorted by UTF-16 code unit, no whitespace, JSON.stringify numbers and string escapes; json is the same text); digest = sha256(bytes), the requestHash a receipt and a voucher sign. input, where present, is a body as sent that parses to fields.value.',
    inputs: requests,
  },
  'tensor': {
    description: 'Base64 tensor as a request carries it (protocol/tensor.ts). littleEndian = the values\' bytes, little-endian, row-major (bool: one byte 0/1); bytes = UTF-8 of the canonical JSON {"data": base64(littleEndian), "dims": [...], "type": "..."} (json is the same text); digest = sha256(bytes), what the tensor contributes to a request hash.',
    inputs: tensors,
  },
  'receipt-id': {
    description: 'Receipt id (protocol/receiptId.ts). bytes = node(20) ‖ requestHash(32) ‖ salt(16, random per process) ‖ counter(8, big-endian); digest = sha256(bytes) = the id.',
    inputs: receiptIds,
  },
  'channel-id': {
    description: 'Payment channel id (protocol/channelId.ts). bytes = RLP([client(20), node(20), nonce]) with nonce the nonce of the client\'s open_channel transaction; digest = sha256("haca/channel/v1\\n" ‖ bytes) = the channel id.',
    inputs: channelIds,
  },
  'voucher': {
    description: 'Payment voucher (protocol/voucher.ts). bytes = RLP([chainId, channelId(32), cumulative, requestHash(32), signature(65)]); digest = sha256("haca/voucher/v1\\n" ‖ RLP([chainId, channelId, cumulative, requestHash])); signature by the channel client over digest.',
    inputs: vouchers,
  },
  'batch-entries': {
    description: 'Settlement batch entries (protocol/settlementBatch.ts, batchEntries.ts, merkle.ts). bytes = RLP([[receipt wire bytes, channelId(32)], …]) as a settle_batch carries them; entryBytes[i] = RLP([receipt, channelId]); leaves[i] = sha256(0x00 ‖ entryBytes[i]); root = Merkle root (node = sha256(0x01 ‖ left ‖ right), an odd node moves up unchanged, no entries: sha256 of nothing); proofs[i] = siblings from the leaf up, left = the sibling is on the left.',
    inputs: batchEntries,
  },
  'batch-summary': {
    description: 'What a node signs for a settlement batch (protocol/settlementBatch.ts). bytes = RLP([chainId, node(20), root(32), count, [[channelId(32), total], …]]) with totals per channel sorted by channel id; digest = sha256("haca/settlement-batch/v1\\n" ‖ bytes); signature by the node\'s registered signing key over digest.',
    inputs: batchSummaries,
  },
  'settled-batch': {
    description: 'The ledger\'s record of a settled batch, stored under its root and proven by clients against the app hash (protocol/settledBatch.ts). bytes = RLP([node(20), count, blobId, height, amount, [[receiptId(32), receiptHash(32)], …]]), receiptHash = sha256(receipt wire bytes). Not signed.',
    inputs: settledBatches,
  },
}

const dir = join(import.meta.dirname, '..', 'src', 'protocol', 'vectors')
for (const [format, { description, inputs }] of Object.entries(FORMATS) as Array<[VectorFormat, { description: string; inputs: Input[] }]>) {
  const cases: VectorCase[] = inputs.map(({ name, fields, input, note }) => ({
    name,
    ...(note === undefined ? {} : { note }),
    ...(input === undefined ? {} : { input }),
    fields,
    ...(VECTOR_IMPLS[format].encode(fields, PRIVATE_KEY) as { bytes: VectorHex }),
  }))
  const file: VectorFile = { format, description, privateKey: PRIVATE_KEY, address: ADDRESS, cases }
  const text = `${JSON.stringify(file, null, 2)}\n`
  if (options.print) {
    process.stdout.write(text)
    continue
  }
  const path = join(dir, `${format}.json`)
  if (existsSync(path) && readFileSync(path, 'utf8') !== text && !options.force) {
    process.stderr.write(`${path} exists and differs: a format changed? Vectors are never regenerated to match code; pass --force only for a deliberate new version.\n`)
    process.exitCode = 1
    continue
  }
  writeFileSync(path, text)
  process.stdout.write(`wrote ${path} (${cases.length} cases)\n`)
}
