import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fromHex } from '../../core/bytes.ts'
import { decodeRlp, encodeRlp } from '../../core/rlp.ts'
import type { RlpItem } from '../../core/rlpFields.ts'
import { VECTOR_FILES } from '../../protocol/vectors/files.ts'
import { settleBatchCodec } from './msgs.ts'

// Receipts and a voucher from the protocol's vectors: real, signed, decodable.
const receipts = (VECTOR_FILES['batch-entries'].cases[2].fields.entries as Array<{ receipt: string; channelId: string }>).map((e) => fromHex(e.receipt))
const channel = fromHex(VECTOR_FILES['voucher'].cases[0].fields.channelId as string, 32)
const voucher = fromHex(VECTOR_FILES['voucher'].cases[0].bytes)

function decode(entries: Uint8Array[][], vouchers: Uint8Array[] = [voucher]) {
  return settleBatchCodec.decode(decodeRlp(encodeRlp([entries, vouchers, new Uint8Array(0), new Uint8Array(65)])) as RlpItem[])
}

test('a settle_batch decodes with the protocol formats', () => {
  const m = decode([[receipts[0], channel], [receipts[1], channel]])
  assert.equal(m.entries.length, 2)
  assert.equal(m.vouchers[0].channelId, VECTOR_FILES['voucher'].cases[0].fields.channelId)
})

test('protocol decode errors keep the ledger codes and messages they always had', () => {
  assert.throws(() => decode([[receipts[0]]]), { name: 'LedgerError(tx/tx_malformed)', codespace: 'tx', abciCode: 2, message: 'entries[0]: expected 2 items, got 1' })
  assert.throws(() => decode([[receipts[0], channel.subarray(1)]]), { codespace: 'tx', abciCode: 2, message: 'entries[0].channel: expected 32 bytes, got 31' })
  assert.throws(() => decode([[receipts[0], channel], [receipts[0], channel]]), { name: 'LedgerError(settlement/invalid_batch)', codespace: 'settlement', abciCode: 2, message: /appears twice in the batch/ })
  assert.throws(() => decode([[receipts[0].subarray(0, 40), channel]]), { codespace: 'settlement', abciCode: 2, message: /entries\[0\]\.receipt is not a receipt/ })
  assert.throws(() => decode([[receipts[0], channel]], [Uint8Array.of(0x12, 0x34)]), { name: 'LedgerError(payments/invalid_voucher)', codespace: 'payments', abciCode: 12, message: /^malformed voucher/ })
})
