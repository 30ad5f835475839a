/**
 * Each vector format's implementation as `checkVectors` (check.ts) drives it: the protocol's
 * own encoders, decoders and signature checks, with the fields as the vector files write them
 * (0x hex for bytes, decimal strings for integers that may pass 2^53). No node: imports, so a
 * browser build of the protocol runs these too. The generator (scripts/make-protocol-vectors.ts)
 * records what `encode` gives; the tests check every implementation against the records.
 */
import { type Hex, bytesToBigint, concatBytes, fromHex, toHex, utf8 } from '../../core/bytes.ts'
import { sha256 } from '../../core/hash.ts'
import { recoverAddress, signDigest } from '../../core/keys.ts'
import { decodeRlp, encodeRlp } from '../../core/rlp.ts'
import { type RlpItem, readAddress, readBytes, readList, readSmallUint, readString, readUint } from '../../core/rlpFields.ts'
import { BatchEntries } from '../batchEntries.ts'
import { MAX_CHAIN_ID_BYTES } from '../chain.ts'
import { canonicalJson, hashRequest } from '../canonicalJson.ts'
import { channelIdOf, encodeChannelIdPreimage } from '../channelId.ts'
import { merkleProof, merkleRoot, verifyMerkleProof } from '../merkle.ts'
import { type InferenceMode } from '../modes.ts'
import { type UnsignedReceipt, decodeReceipt, receiptDigest, recoverReceiptSigner, signAndEncodeReceipt, verifyReceipt } from '../receipt.ts'
import { receiptIdOf, receiptIdPreimage } from '../receiptId.ts'
import { decodeSettledBatch, encodeSettledBatch } from '../settledBatch.ts'
import { BATCH_DOMAIN, type BatchSummary, batchDigest, encodeBatchSummary, entryBytes, entryLeaves, entryRoot } from '../settlementBatch.ts'
import { type TensorType, type TypedArray, base64Tensor, fromTypedData, toTypedData } from '../tensor.ts'
import { decodeVoucher, signVoucher, verifyVoucher, voucherDigest, voucherToHex } from '../voucher.ts'
import { type VectorCase, type VectorHex, type VectorImpl, flipByte, sameJson } from './check.ts'

export const VECTOR_FORMATS = ['receipt', 'request-hash', 'tensor', 'receipt-id', 'channel-id', 'voucher', 'batch-entries', 'batch-summary', 'settled-batch'] as const
export type VectorFormat = (typeof VECTOR_FORMATS)[number]

type Fields = Record<string, unknown>
const str = (f: Fields, k: string) => f[k] as string
const hex = (f: Fields, k: string) => f[k] as Hex
const big = (f: Fields, k: string) => BigInt(f[k] as string)
const key = (privateKey: VectorHex) => fromHex(privateKey, 32)
// fatal: a byte string that is not UTF-8 is refused, never repaired into other text.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function unsignedReceipt(f: Fields): UnsignedReceipt {
  return { version: f.version as number, id: hex(f, 'id'), node: hex(f, 'node'), model: str(f, 'model'), mode: str(f, 'mode') as InferenceMode, requestHash: hex(f, 'requestHash'), responseHash: hex(f, 'responseHash'), price: big(f, 'price'), timestamp: f.timestamp as number }
}

const receipt: VectorImpl = {
  encode(f, privateKey) {
    const { receipt: signed, wire } = signAndEncodeReceipt(unsignedReceipt(f), key(privateKey))
    return { bytes: toHex(wire), digest: toHex(receiptDigest(unsignedReceipt(f))), signature: signed.signature }
  },
  decode(bytes) {
    const { signature, price, ...rest } = decodeReceipt(fromHex(bytes))
    return { fields: { ...rest, price: price.toString() }, signature }
  },
  signer: (c) => recoverReceiptSigner(decodeReceipt(fromHex(c.bytes))),
  accepts: (bytes, _c, file) => verifyReceipt(decodeReceipt(fromHex(bytes)), { node: file.address }).ok,
}

const requestHash: VectorImpl = {
  encode(f) {
    const text = canonicalJson(f.value)
    return { bytes: toHex(utf8(text)), digest: hashRequest(f.value), json: text }
  },
  decode: (bytes) => ({ fields: { value: JSON.parse(strictUtf8.decode(fromHex(bytes))) } }),
  accepts(bytes, c) {
    const text = strictUtf8.decode(fromHex(bytes))
    // Canonical bytes only: another text of the same value would be a second preimage for one request.
    return canonicalJson(JSON.parse(text)) === text && hashRequest(JSON.parse(text)) === c.digest
  },
  extraChecks(c) {
    if (c.input === undefined) return []
    const digest = hashRequest(JSON.parse(c.input))
    return digest === c.digest ? [] : [`the body as sent hashes to ${digest}, not to the digest of its canonical form`]
  },
}

/** A tensor's values as a typed array (bool: bytes 0 or 1), through the same checks a request's tensor passes. */
function typedValues(type: TensorType, dims: number[], values: Array<number | string | boolean>): TypedArray {
  const typed = toTypedData('x', { type, dims, data: values })
  return Array.isArray(typed) ? Uint8Array.from(typed, (b) => (b ? 1 : 0)) : typed
}

function base64Bytes(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0))
}

const tensor: VectorImpl = {
  encode(f) {
    const t = base64Tensor({ type: f.type as TensorType, dims: f.dims as number[], data: typedValues(f.type as TensorType, f.dims as number[], f.values as Array<number | string | boolean>) })
    const text = canonicalJson(t)
    return { bytes: toHex(utf8(text)), digest: hashRequest(t), json: text, littleEndian: toHex(base64Bytes(t.data)) }
  },
  decode(bytes) {
    const t = JSON.parse(strictUtf8.decode(fromHex(bytes))) as { type: TensorType; dims: number[]; data: string }
    const json = fromTypedData(t.type, t.dims, toTypedData('x', t))
    return { fields: { type: json.type, dims: json.dims, values: json.data } }
  },
  accepts(bytes, c) {
    const text = strictUtf8.decode(fromHex(bytes))
    tensor.decode(bytes)
    return canonicalJson(JSON.parse(text)) === text && toHex(sha256(fromHex(bytes))) === c.digest
  },
}

function receiptIdParts(f: Fields) {
  return { node: hex(f, 'node'), requestHash: hex(f, 'requestHash'), salt: fromHex(hex(f, 'salt'), 16), counter: big(f, 'counter') }
}

const receiptId: VectorImpl = {
  encode: (f) => ({ bytes: toHex(receiptIdPreimage(receiptIdParts(f))), digest: receiptIdOf(receiptIdParts(f)) }),
  decode(bytes) {
    const b = fromHex(bytes, 76)
    return { fields: { node: toHex(b.subarray(0, 20)), requestHash: toHex(b.subarray(20, 52)), salt: toHex(b.subarray(52, 68)), counter: bytesToBigint(b.subarray(68)).toString() } }
  },
  accepts: (bytes, c) => fromHex(bytes).length === 76 && toHex(sha256(fromHex(bytes))) === c.digest,
}

const channelId: VectorImpl = {
  encode: (f) => ({ bytes: toHex(encodeChannelIdPreimage(hex(f, 'client'), hex(f, 'node'), big(f, 'nonce'))), digest: channelIdOf(hex(f, 'client'), hex(f, 'node'), big(f, 'nonce')) }),
  decode(bytes) {
    // Nobody parses these bytes (both sides hash them), so the decoder lives here, to show the layout.
    const it = readList(decodeRlp(fromHex(bytes)) as RlpItem, 'channel id', 3)
    return { fields: { client: readAddress(it[0], 'client'), node: readAddress(it[1], 'node'), nonce: readUint(it[2], 'nonce').toString() } }
  },
  accepts: (bytes, c) => toHex(sha256(concatBytes(utf8('haca/channel/v1\n'), fromHex(bytes)))) === c.digest,
}

function voucherFields(f: Fields) {
  return { chainId: str(f, 'chainId'), channelId: hex(f, 'channelId'), cumulative: big(f, 'cumulative'), requestHash: hex(f, 'requestHash') }
}

const voucher: VectorImpl = {
  encode(f, privateKey) {
    const v = signVoucher(voucherFields(f), key(privateKey))
    return { bytes: voucherToHex(v), digest: toHex(voucherDigest(v)), signature: toHex(v.signature) }
  },
  decode(bytes) {
    const { signature, cumulative, ...rest } = decodeVoucher(bytes)
    return { fields: { ...rest, cumulative: cumulative.toString() }, signature: toHex(signature) }
  },
  signer: (c) => verifyVoucher(decodeVoucher(c.bytes)),
  accepts: (bytes, _c, file) => verifyVoucher(decodeVoucher(bytes)) === file.address.toLowerCase(),
}

type EntryJson = { receipt: Hex; channelId: Hex }
const entryObjects = (f: Fields) => (f.entries as EntryJson[]).map((e) => ({ receiptBytes: fromHex(e.receipt), channelId: e.channelId }))
type ProofJson = Array<{ left: boolean; hash: Hex }>
const proofOf = (p: ProofJson) => p.map((s) => ({ left: s.left, hash: fromHex(s.hash, 32) }))

function decodeEntries(bytes: VectorHex): BatchEntries {
  return BatchEntries.decode(decodeRlp(fromHex(bytes)) as RlpItem[])
}

const batchEntries: VectorImpl = {
  encode(f) {
    const entries = entryObjects(f)
    const leaves = entryLeaves(entries)
    const root = entryRoot(entries)
    // Two computations of one root (flat buffers for validators, the plain tree for proofs) must agree.
    if (toHex(merkleRoot(leaves)) !== toHex(root)) throw new Error('entryRoot and merkleRoot of the leaves differ')
    return {
      bytes: toHex(encodeRlp(entries.map((e) => [e.receiptBytes, fromHex(e.channelId, 32)]))),
      entryBytes: entries.map((e) => toHex(entryBytes(e))),
      leaves: leaves.map(toHex),
      root: toHex(root),
      proofs: leaves.map((_, i) => merkleProof(leaves, i).map((s) => ({ left: s.left, hash: toHex(s.hash) }))),
    }
  },
  decode(bytes) {
    const e = decodeEntries(bytes)
    return { fields: { entries: Array.from({ length: e.length }, (_, i) => ({ receipt: toHex(e.receiptBytes(i)), channelId: e.channelId(i) })) } }
  },
  accepts: (bytes, c) => toHex(entryRoot(decodeEntries(bytes))) === c.root,
  extraChecks(c) {
    const failures: string[] = []
    const leaves = c.leaves as Hex[]
    const proofs = c.proofs as ProofJson[]
    const root = fromHex(c.root as Hex, 32)
    leaves.forEach((leaf, i) => {
      const proof = proofOf(proofs[i])
      if (!verifyMerkleProof(fromHex(leaf, 32), proof, root)) failures.push(`the proof of entry ${i} does not verify`)
      if (verifyMerkleProof(fromHex(flipByte(leaf, 0), 32), proof, root)) failures.push(`the proof of entry ${i} verifies a tampered leaf`)
      if (leaves.length > 1 && verifyMerkleProof(fromHex(leaves[(i + 1) % leaves.length], 32), proof, root)) failures.push(`the proof of entry ${i} verifies another entry's leaf`)
      proofs[i].forEach((step, j) => {
        const tampered = proofOf(proofs[i])
        tampered[j] = { left: step.left, hash: fromHex(flipByte(step.hash, 31), 32) }
        if (verifyMerkleProof(fromHex(leaf, 32), tampered, root)) failures.push(`the proof of entry ${i} verifies with sibling ${j} tampered`)
        tampered[j] = { left: !step.left, hash: fromHex(step.hash, 32) }
        if (verifyMerkleProof(fromHex(leaf, 32), tampered, root)) failures.push(`the proof of entry ${i} verifies with sibling ${j} on the wrong side`)
      })
    })
    return failures
  },
}

function batchSummary(f: Fields): BatchSummary {
  return { chainId: str(f, 'chainId'), node: hex(f, 'node'), root: hex(f, 'root'), count: f.count as number, totals: (f.totals as Array<{ channelId: Hex; total: string }>).map((t) => ({ channelId: t.channelId, total: BigInt(t.total) })) }
}

/** Nobody parses a batch summary (the ledger recomputes it), so its decoder lives here, to show the layout. */
function decodeBatchSummary(bytes: Uint8Array): Fields {
  // The strict decoder: one encoding per summary.
  const it = readList(decodeRlp(bytes) as RlpItem, 'summary', 5)
  return {
    chainId: readString(it[0], 'chainId', MAX_CHAIN_ID_BYTES),
    node: readAddress(it[1], 'node'),
    root: toHex(readBytes(it[2], 'root', 32)),
    count: readSmallUint(it[3], 'count'),
    totals: readList(it[4], 'totals').map((t, i) => {
      const pair = readList(t, `totals[${i}]`, 2)
      return { channelId: toHex(readBytes(pair[0], 'channelId', 32)), total: readUint(pair[1], 'total').toString() }
    }),
  }
}

const batchSummaryImpl: VectorImpl = {
  encode(f, privateKey) {
    const digest = batchDigest(batchSummary(f))
    return { bytes: toHex(encodeBatchSummary(batchSummary(f))), digest: toHex(digest), signature: toHex(signDigest(digest, key(privateKey))) }
  },
  decode: (bytes) => ({ fields: decodeBatchSummary(fromHex(bytes)) }),
  signer: (c) => recoverAddress(fromHex(c.digest!, 32), fromHex(c.signature!, 65)),
  accepts(bytes, c, file) {
    decodeBatchSummary(fromHex(bytes))
    return recoverAddress(sha256(concatBytes(BATCH_DOMAIN, fromHex(bytes))), fromHex(c.signature!, 65)) === file.address.toLowerCase()
  },
}

const NO_ROOT: Hex = `0x${'00'.repeat(32)}`

const settledBatch: VectorImpl = {
  encode(f) {
    const entries = (f.entries as Array<{ receiptId: Hex; receiptHash: Hex }>).map((e) => ({ receiptId: fromHex(e.receiptId, 32), receiptHash: fromHex(e.receiptHash, 32) }))
    return { bytes: toHex(encodeSettledBatch({ node: hex(f, 'node'), count: f.count as number, blobId: str(f, 'blobId'), height: f.height as number, amount: big(f, 'amount'), entries })) }
  },
  decode(bytes) {
    const { root: _root, amount, ...rest } = decodeSettledBatch(NO_ROOT, fromHex(bytes))
    return { fields: { ...rest, amount: amount.toString() } }
  },
  // The record is proven by the app hash, not signed: here a record is accepted when it reads back as the case's.
  accepts: (bytes, c: VectorCase) => sameJson(settledBatch.decode(bytes).fields, c.fields),
}

export const VECTOR_IMPLS: Record<VectorFormat, VectorImpl> = {
  receipt,
  'request-hash': requestHash,
  tensor,
  'receipt-id': receiptId,
  'channel-id': channelId,
  voucher,
  'batch-entries': batchEntries,
  'batch-summary': batchSummaryImpl,
  'settled-batch': settledBatch,
}
