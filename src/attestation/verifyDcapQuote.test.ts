import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, test } from 'node:test'
import { toHex } from '../core/bytes.ts'
import { type DcapCollateral, verifyDcapQuote } from './verifyDcapQuote.ts'
import { codeOf } from './codeOf.testing.ts'

const read = (name: string): Buffer => readFileSync(new URL(`../../test/fixtures/tee/tdx/${name}`, import.meta.url))
const collateral = (name: string): DcapCollateral => JSON.parse(read(name).toString('utf8'))

const TDX = new Uint8Array(read('tdx_quote'))
const TDX_COLLATERAL = collateral('tdx_quote_collateral.json')
const TDX_AT = 1752920162_000
const SGX = new Uint8Array(read('sgx_quote'))
const SGX_COLLATERAL = collateral('sgx_quote_collateral.json')
const SGX_AT = 1752919277_000
const OUTDATED = new Uint8Array(read('tdx_quote_outdated'))
const OUTDATED_COLLATERAL = collateral('tdx_quote_outdated_collateral.json')
// A day after the outdated collateral's issue date (2026-02-18T10:58:51Z), inside its window.
const OUTDATED_AT = Date.parse(JSON.parse(OUTDATED_COLLATERAL.tcb_info).issueDate) + 86_400_000
const DAY_MS = 86_400_000


describe('verifyDcapQuote on real Intel quotes', () => {
  test('the TDX quote verifies at its time: UpToDate, with MRTD, RTMRs and report data', () => {
    const att = verifyDcapQuote(TDX, TDX_COLLATERAL, { now: TDX_AT })
    assert.equal(att.kind, 'tdx')
    if (att.kind !== 'tdx') return
    assert.equal(att.tcbStatus, 'UpToDate')
    assert.equal(att.quoteVersion, 4)
    assert.equal(att.mrTd, '0x91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7')
    assert.equal(att.rtmrs[0], '0x44c0197b39157fdd7a4dcc44767f9d6b0bb3977c7a8e347b8492f827fe9d9e5c48aca29b220b80b6a540cf994b9bc9c0')
    assert.equal(att.rtmrs.length, 4)
    assert.equal(
      toHex(att.reportData),
      '0x9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd6ddd551862c1211d35c304f9eca3efdbb481601c163cf52493d6e44aed55d51ec39b7e518fadb92c2b523f20',
    )
  })

  test('the SGX quote verifies with its status and report data "Hello, world!"', () => {
    const att = verifyDcapQuote(SGX, SGX_COLLATERAL, { now: new Date(SGX_AT) })
    assert.equal(att.kind, 'sgx')
    if (att.kind !== 'sgx') return
    assert.equal(att.tcbStatus, 'ConfigurationAndSWHardeningNeeded')
    assert.deepEqual(att.advisoryIds, ['INTEL-SA-00289', 'INTEL-SA-00615'])
    assert.equal(Buffer.from(att.reportData.subarray(0, 13)).toString('latin1'), 'Hello, world!')
    assert.match(att.mrEnclave, /^0x[0-9a-f]{64}$/)
    assert.match(att.mrSigner, /^0x[0-9a-f]{64}$/)
  })

  test('the outdated TDX quote is refused as out of date', () => {
    // Its platform TCB (PCK CPUSVN ends in 3, levels ask for 5) is below every level Intel
    // lists in this collateral: the strongest form of "out of date".
    assert.equal(codeOf(() => verifyDcapQuote(OUTDATED, OUTDATED_COLLATERAL, { now: OUTDATED_AT })), 'tcb_out_of_date')
  })

  test('the same quotes 90 days later fail: the collateral has expired', () => {
    assert.equal(codeOf(() => verifyDcapQuote(TDX, TDX_COLLATERAL, { now: TDX_AT + 90 * DAY_MS })), 'collateral_expired')
    assert.equal(codeOf(() => verifyDcapQuote(SGX, SGX_COLLATERAL, { now: SGX_AT + 90 * DAY_MS })), 'collateral_expired')
    // …and before the collateral was issued.
    assert.equal(codeOf(() => verifyDcapQuote(TDX, TDX_COLLATERAL, { now: TDX_AT - 90 * DAY_MS })), 'collateral_expired')
  })

  test('a quote with one flipped bit fails, wherever the bit is', () => {
    // Header, TD report (MRTD at 184, report data at 568), auth data size (632), signature,
    // certification data type (764), QE report, PCK chain, the quote's copy of Intel's root
    // (4000: its PEM header; 4906: its last base64 byte), zero padding after the quote (4950).
    // dcap-qvl alone accepts flips at 632, 764, 765, 4000 and 4906; our canonical-encoding
    // check refuses them. (An offline scan of every byte of both quotes found no accepted flip.)
    const named = [0, 10, 30, 184, 200, 400, 568, 600, 631, 632, 633, 640, 700, 764, 765, 800, 1000, 1200, 1258, 2000, 3000, 4000, 4906, 4950, TDX.length - 1]
    // Plus every 11th byte, to sweep the whole quote in a few seconds.
    const positions = [...new Set([...named, ...Array.from({ length: Math.ceil(TDX.length / 11) }, (_, i) => i * 11)])]
    const accepted: string[] = []
    for (const position of positions) {
      for (const mask of named.includes(position) ? [0x01, 0x80] : [0x01]) {
        const tampered = TDX.slice()
        tampered[position] ^= mask
        const code = codeOf(() => verifyDcapQuote(tampered, TDX_COLLATERAL, { now: TDX_AT }))
        if (code === 'accepted') accepted.push(`${position}^${mask}`)
      }
    }
    assert.deepEqual(accepted, [])
  })

  test('a flipped bit in the report data is caught by the quote signature', () => {
    const tampered = TDX.slice()
    tampered[568] ^= 1
    assert.equal(codeOf(() => verifyDcapQuote(tampered, TDX_COLLATERAL, { now: TDX_AT })), 'bad_signature')
  })

  test('collateral for another platform or TEE is refused', () => {
    assert.notEqual(codeOf(() => verifyDcapQuote(TDX, SGX_COLLATERAL, { now: TDX_AT })), 'accepted')
    assert.notEqual(codeOf(() => verifyDcapQuote(SGX, TDX_COLLATERAL, { now: SGX_AT })), 'accepted')
    const forged = { ...TDX_COLLATERAL, tcb_info: TDX_COLLATERAL.tcb_info.replace('"UpToDate"', '"UpToDate" ') }
    assert.equal(codeOf(() => verifyDcapQuote(TDX, forged, { now: TDX_AT })), 'bad_signature')
  })

  test('garbage is malformed', () => {
    assert.equal(codeOf(() => verifyDcapQuote(new Uint8Array(10), TDX_COLLATERAL, { now: TDX_AT })), 'malformed_document')
  })
})
