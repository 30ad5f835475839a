import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RLP } from '@ethereumjs/rlp'
import { secp256k1 } from '@noble/curves/secp256k1'
import { keccak_256 } from '@noble/hashes/sha3'
import { sha256 as nobleSha256 } from '@noble/hashes/sha256'
import { bytesToBigint, fromHex, toHex, utf8 } from '../core/bytes.ts'
import { decodeReceipt, InvalidReceiptError, verifyReceipt } from './receipt.ts'
import { InvalidVoucherError } from './errors.ts'
import { decodeVoucher, verifyVoucher, voucherDigest } from './voucher.ts'
import { type VectorFile, type VectorHex, type VectorImpl, checkVectors, flipByte } from './vectors/check.ts'
import { VECTOR_FILES } from './vectors/files.ts'
import { VECTOR_FORMATS, VECTOR_IMPLS } from './vectors/impls.ts'

for (const format of VECTOR_FORMATS) {
  test(`${format}: the implementation gives exactly the committed vectors, both ways, and refuses every one-byte change`, () => {
    assert.deepEqual(checkVectors(format, VECTOR_FILES[format], VECTOR_IMPLS[format]), [])
  })
}

test('the check is not vacuous: one wrong recorded byte, a wrong field, a wrong signer or an accept-anything implementation all fail', () => {
  const file = VECTOR_FILES.voucher
  const impl = VECTOR_IMPLS.voucher
  const first = file.cases[0]
  const withCase = (over: Partial<typeof first>): VectorFile => ({ ...file, cases: [{ ...first, ...over }] })
  assert.match(checkVectors('voucher', withCase({ digest: flipByte(first.digest!, 5) }), impl).join('\n'), /encode gives digest/)
  assert.match(checkVectors('voucher', withCase({ fields: { ...first.fields, cumulative: '2' } }), impl).join('\n'), /encode gives bytes[\s\S]*decoding the bytes gives/)
  assert.match(checkVectors('voucher', { ...file, address: '0x0000000000000000000000000000000000000001' }, impl).join('\n'), /recovers 0x2c75.*not the key's address/)
  assert.match(checkVectors('voucher', file, { ...impl, accepts: () => true }).join('\n'), /byte 0 flipped .* is still accepted/)
  assert.match(checkVectors('receipt', file, impl).join('\n'), /holds "voucher" vectors, not "receipt"/)
})

/** An implementation whose encoder and decoder were both changed the same way: `swap` on the way out and back. */
function changedTogether(impl: VectorImpl, swap: (bytes: VectorHex) => VectorHex): VectorImpl {
  return {
    ...impl,
    encode: (fields, key) => {
      const out = impl.encode(fields, key)
      return { ...out, bytes: swap(out.bytes as VectorHex) }
    },
    decode: (bytes) => impl.decode(swap(bytes)),
    accepts: (bytes, c, file) => impl.accepts(swap(bytes), c, file),
  }
}

test('an encoder and decoder changed together still round-trip, and only the fixed bytes catch it', () => {
  for (const format of VECTOR_FORMATS) {
    const file = VECTOR_FILES[format]
    const changed = changedTogether(VECTOR_IMPLS[format], (bytes) => flipByte(bytes, (bytes.length - 2) / 2 - 1))
    for (const c of file.cases) {
      const { bytes } = changed.encode(c.fields, file.privateKey) as { bytes: VectorHex }
      assert.deepEqual(changed.decode(bytes).fields, VECTOR_IMPLS[format].decode(c.bytes).fields, `${format} / ${c.name}: round trip`)
    }
    const failures = checkVectors(format, file, changed)
    for (const c of file.cases) assert.ok(failures.some((f) => f.startsWith(`${format} / ${c.name}: encode gives bytes`)), `${format} / ${c.name}: ${failures.join('\n')}`)
  }
})

test('a voucher with its fields in another order, signed over the real digest, round-trips but is not the vector', () => {
  const file = VECTOR_FILES.voucher
  const real = VECTOR_IMPLS.voucher
  const swapped: VectorImpl = {
    ...real,
    encode(fields, key) {
      const out = real.encode(fields, key)
      const [chainId, channelId, ...rest] = RLP.decode(fromHex(out.bytes as string)) as Uint8Array[]
      return { ...out, bytes: toHex(RLP.encode([channelId, chainId, ...rest])) }
    },
    decode(bytes) {
      const [channelId, chainId, ...rest] = RLP.decode(fromHex(bytes)) as Uint8Array[]
      return real.decode(toHex(RLP.encode([chainId, channelId, ...rest])))
    },
  }
  const c = file.cases[0]
  assert.deepEqual(swapped.decode(swapped.encode(c.fields, file.privateKey).bytes as VectorHex).fields, c.fields)
  assert.match(checkVectors('voucher', file, swapped).join('\n'), /the first voucher of a channel: encode gives bytes/)
})

test('tampered signed bytes are refused with a clear error or a failed verification', () => {
  const v = VECTOR_FILES.voucher.cases[0]
  const address = VECTOR_FILES.voucher.address
  // In the signature: still a voucher, signed by someone else (or by no one).
  const sigFlipped = flipByte(v.bytes, (v.bytes.length - 2) / 2 - 30)
  assert.throws(() => assert.equal(verifyVoucher(decodeVoucher(sigFlipped)), address), (err: Error) => err instanceof InvalidVoucherError || err instanceof assert.AssertionError)
  // In the RLP header: not a voucher at all.
  assert.throws(() => decodeVoucher(flipByte(v.bytes, 0)), { name: 'InvalidVoucherError', code: 'invalid_voucher', message: /malformed voucher/ })

  const r = VECTOR_FILES.receipt.cases[1]
  // In the response hash: still a receipt, whose signature no longer recovers the node.
  const responseHashAt = (r.bytes.indexOf((r.fields.responseHash as string).slice(2)) - 2) / 2
  const verdict = verifyReceipt(decodeReceipt(fromHex(flipByte(r.bytes, responseHashAt + 7))), { node: VECTOR_FILES.receipt.address })
  assert.deepEqual(verdict.ok ? 'accepted' : verdict.failed, 'signature')
  assert.throws(() => decodeReceipt(fromHex(flipByte(r.bytes, 0))), InvalidReceiptError)
})

test('digests and signatures agree with an independent implementation (@noble/hashes, @noble/curves)', () => {
  const addressOfSignature = (digest: string, signature: string) => {
    const sig = fromHex(signature, 65)
    const point = secp256k1.Signature.fromCompact(sig.subarray(0, 64)).addRecoveryBit(sig[64]).recoverPublicKey(fromHex(digest, 32))
    return toHex(keccak_256(point.toRawBytes(false).subarray(1)).subarray(12))
  }
  const key = fromHex(VECTOR_FILES.voucher.privateKey, 32)
  assert.equal(toHex(keccak_256(secp256k1.getPublicKey(key, false).subarray(1)).subarray(12)), VECTOR_FILES.voucher.address)

  for (const c of VECTOR_FILES.receipt.cases) {
    const items = RLP.decode(fromHex(c.bytes)) as Uint8Array[]
    assert.equal(toHex(keccak_256(new Uint8Array([...utf8('haca/inference-receipt/v1\n'), ...RLP.encode(items.slice(0, 9))]))), c.digest, c.name)
    assert.equal(addressOfSignature(c.digest!, c.signature!), VECTOR_FILES.receipt.address, c.name)
    // libsecp256k1 and noble both sign with RFC 6979 nonces: the same signature, byte for byte.
    assert.equal(toHex(secp256k1.sign(fromHex(c.digest!, 32), key).toCompactRawBytes()), c.signature!.slice(0, 130), c.name)
  }
  for (const c of VECTOR_FILES.voucher.cases) {
    const items = RLP.decode(fromHex(c.bytes)) as Uint8Array[]
    assert.equal(toHex(nobleSha256(new Uint8Array([...utf8('haca/voucher/v1\n'), ...RLP.encode(items.slice(0, 4))]))), c.digest, c.name)
    assert.equal(addressOfSignature(c.digest!, c.signature!), VECTOR_FILES.voucher.address, c.name)
    const f = c.fields as { chainId: string; channelId: `0x${string}`; cumulative: string; requestHash: `0x${string}` }
    assert.equal(toHex(voucherDigest({ ...f, cumulative: BigInt(f.cumulative) })), c.digest)
  }
  for (const c of VECTOR_FILES['batch-summary'].cases) {
    assert.equal(toHex(nobleSha256(new Uint8Array([...utf8('haca/settlement-batch/v1\n'), ...fromHex(c.bytes)]))), c.digest, c.name)
    assert.equal(addressOfSignature(c.digest!, c.signature!), VECTOR_FILES['batch-summary'].address, c.name)
  }
  for (const c of VECTOR_FILES['channel-id'].cases) assert.equal(toHex(nobleSha256(new Uint8Array([...utf8('haca/channel/v1\n'), ...fromHex(c.bytes)]))), c.digest, c.name)
  for (const format of ['request-hash', 'tensor', 'receipt-id'] as const) {
    for (const c of VECTOR_FILES[format].cases) assert.equal(toHex(nobleSha256(fromHex(c.bytes))), c.digest, `${format} / ${c.name}`)
  }
  for (const c of VECTOR_FILES['batch-entries'].cases) {
    const leaves = (c.entryBytes as string[]).map((e) => nobleSha256(new Uint8Array([0, ...fromHex(e)])))
    assert.deepEqual(leaves.map(toHex), c.leaves, c.name)
    let level = leaves
    while (level.length > 1) level = Array.from({ length: Math.ceil(level.length / 2) }, (_, i) => (2 * i + 1 < level.length ? nobleSha256(new Uint8Array([1, ...level[2 * i], ...level[2 * i + 1]])) : level[2 * i]))
    assert.equal(toHex(level[0]), c.root, c.name)
  }
})

test('vector fields hold what the formats promise: tensors little-endian, ids 32 bytes of the preimage hash', () => {
  const int64 = VECTOR_FILES.tensor.cases.find((c) => c.fields.type === 'int64')!
  // -2^63 little-endian: seven zero bytes, then 0x80.
  assert.equal((int64.littleEndian as string).slice(0, 18), '0x0000000000000080')
  const id = VECTOR_FILES['receipt-id'].cases[1]
  assert.equal(bytesToBigint(fromHex(id.bytes).subarray(68)), 2n ** 64n - 1n)
})
