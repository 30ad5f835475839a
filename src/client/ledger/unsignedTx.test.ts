import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex } from '../../core/bytes.ts'
import { addressOf, generatePrivateKey } from '../../core/keys.ts'
import { encodeRlp } from '../../core/rlp.ts'
import { transferCodec } from '../../ledger/accounts/msgs.ts'
import { buildTransferTx } from '../../ledger/accounts/tx.ts'
import { decodeTx, recoverSender } from '../../ledger/tx/envelope.ts'
import { UnsignedTxError, parseUnsignedTx, signUnsignedTx, unsignedTxToJson } from './unsignedTx.ts'

const key = generatePrivateKey()
const from = addressOf(key)
const to = addressOf(generatePrivateKey())
const base = () => unsignedTxToJson({ chainId: 'haca-test', from, nonce: 7n, fee: 10n, type: transferCodec.type, body: transferCodec.encode({ to, amount: 1000n }) })

test('the JSON carries the envelope, a readable body and the canonical body hex', () => {
  const json = base()
  assert.deepEqual({ ...json, bodyHex: undefined }, { 'haca-unsigned-tx': 1, chainId: 'haca-test', from, nonce: '7', fee: '10', type: transferCodec.type, msg: 'transfer', body: { to, amount: '1000' }, bodyHex: undefined })
  assert.equal(json.bodyHex, toHex(encodeRlp(transferCodec.encode({ to, amount: 1000n }))))
})

test('signing the JSON gives the same bytes as signing directly, and the signature verifies', () => {
  const json = JSON.parse(JSON.stringify(base()))
  const signed = signUnsignedTx(parseUnsignedTx(json), { privateKey: key, chainId: 'haca-test' })
  const direct = buildTransferTx({ chainId: 'haca-test', nonce: 7n, fee: 10n, to, amount: 1000n }, key)
  assert.deepEqual(signed.bytes, direct.bytes)
  assert.equal(recoverSender(decodeTx(signed.bytes), signed.bytes), from)
  // Key order and address case in the readable body do not matter; the values do.
  assert.doesNotThrow(() => parseUnsignedTx({ ...json, body: { amount: '1000', to: to.toUpperCase().replace('0X', '0x') } }))
})

test('an edited or inconsistent file is refused, saying what disagrees', () => {
  const json = base()
  const refused = (value: unknown, pattern: RegExp, code = 'unsigned_tx_invalid') =>
    assert.throws(() => parseUnsignedTx(value), (err: unknown) => err instanceof UnsignedTxError && err.code === code && pattern.test(err.message))
  refused({ ...json, body: { ...json.body, amount: '1001' } }, /"body" does not match "bodyHex"/, 'unsigned_tx_body_mismatch')
  refused({ ...json, bodyHex: toHex(encodeRlp(transferCodec.encode({ to, amount: 5n }))) }, /"body" does not match "bodyHex"/, 'unsigned_tx_body_mismatch')
  // An amount with a leading zero byte: RLP that decodes, but not the message's one encoding.
  refused({ ...json, bodyHex: toHex(encodeRlp([transferCodec.encode({ to, amount: 1n })[0] as Uint8Array, new Uint8Array([0, 1])])) }, /not a valid transfer message: .*leading zero/)
  refused({ ...json, msg: 'open_channel' }, /"msg" says "open_channel" but type 1 is transfer/)
  refused({ ...json, type: 999 }, /message type 999 is not one this ledger knows/)
  refused({ ...json, nonce: 7 }, /"nonce" must be a non-negative integer as a decimal string/)
  refused({ ...json, 'haca-unsigned-tx': 2 }, /this version of haca reads 1/)
  refused('{', /not JSON/)
  refused({ ...json, from: 'alice' }, /"from" is not an address/)
})

test('the key must be the sender, and the chain the one the signer names', () => {
  const tx = parseUnsignedTx(base())
  assert.throws(() => signUnsignedTx(tx, { privateKey: generatePrivateKey() }), (err: unknown) => err instanceof UnsignedTxError && err.code === 'unsigned_tx_wrong_key' && err.message.includes(`it is from ${from}`))
  assert.throws(() => signUnsignedTx(tx, { privateKey: key, chainId: 'other' }), (err: unknown) => err instanceof UnsignedTxError && err.code === 'unsigned_tx_wrong_chain')
})
