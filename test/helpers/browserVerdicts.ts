/**
 * Verification cases that test/browser.test.ts runs twice: in Node against src/browser.ts,
 * and in Chromium against the same entry bundled for browsers. The cases are JSON (bytes as
 * 0x hex, big integers as decimal strings, Maps and byte arrays tagged by `encodeJson`), and
 * each verdict is a string, so the two runs compare with one deepEqual. Imports nothing but
 * types: this file is bundled into the page.
 */
import type * as Haca from '../../src/browser.ts'

type Api = typeof Haca
type Hex = `0x${string}`

/** Whether the case is a genuine proof (accept) or a tampered one (refuse). */
export type Expectation = 'accept' | 'refuse'

export type VerdictCase = { name: string; expect: Expectation } & (
  | { kind: 'receipt'; receipt: Haca.ReceiptJson; node: Hex; requestHash?: Hex; maxPrice?: string }
  | { kind: 'receiptWire'; hex: Hex; node: Hex }
  | { kind: 'voucher'; hex: Hex; chainId: string; node: Hex; channel: { id: Hex; client: Hex; node: Hex; deposit: string; open: boolean }; minCumulative: string }
  | { kind: 'merkle'; leaf: Hex; proof: Array<{ left: boolean; hash: Hex }>; root: Hex }
  | { kind: 'stateProof'; root: Hex; key: Hex; proof: Hex[]; value: Hex }
  | { kind: 'attestationPolicy'; attestation: unknown; params: unknown }
  | { kind: 'requestHash'; body: unknown }
  | { kind: 'nitroDocument'; document: Hex; now: number; trustedRootFingerprints: string[] }
  | { kind: 'nitroAttestation'; document: Hex; params: unknown }
)

/** A verified Nitro document as a verdict string: what it says that a policy would read. */
export function nitroVerdict(att: Haca.NitroAttestation): string {
  const pcrs = [...att.pcrs].map(([i, v]) => `${i}=${v}`).join(',')
  const hex = (b: Uint8Array | null): string => (b === null ? 'null' : Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(''))
  return `ok:${att.moduleId}:${att.timestamp}:${att.rootFingerprint}:${pcrs}:${hex(att.publicKey)}:${hex(att.userData)}:${hex(att.nonce)}`
}

/** An error as a verdict string: its code (or name). */
export function errorVerdict(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown }
  return `error:${String(e?.code ?? e?.name ?? err)}`
}

/** JSON for values with Uint8Arrays, Maps and bigints in them (an attestation, its policy parameters). */
export function encodeJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return { $bytes: Array.from(value) }
  if (value instanceof Map) return { $map: [...value].map(([k, v]) => [encodeJson(k), encodeJson(v)]) }
  if (typeof value === 'bigint') return { $bigint: value.toString() }
  if (Array.isArray(value)) return value.map(encodeJson)
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeJson(v)]))
  return value
}

export function decodeJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeJson)
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>
    if ('$bytes' in o) return Uint8Array.from(o.$bytes as number[])
    if ('$map' in o) return new Map((o.$map as unknown[][]).map(([k, v]) => [decodeJson(k), decodeJson(v)]))
    if ('$bigint' in o) return BigInt(o.$bigint as string)
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, decodeJson(v)]))
  }
  return value
}

/** One case's verdict: `ok…` when accepted, `failed:<check>`, `false` or `error:<code>` when refused. */
export async function verdictOf(haca: Api, c: VerdictCase): Promise<string> {
  try {
    switch (c.kind) {
      case 'receipt': {
        const r = haca.verifyReceipt(haca.receiptFromJson(c.receipt), { node: c.node, requestHash: c.requestHash, maxPrice: c.maxPrice === undefined ? undefined : BigInt(c.maxPrice) })
        return r.ok ? `ok:${r.signer}` : `failed:${r.failed}`
      }
      case 'receiptWire': {
        const r = haca.verifyReceipt(haca.receiptFromHex(c.hex), { node: c.node })
        return r.ok ? `ok:${r.signer}` : `failed:${r.failed}`
      }
      case 'voucher': {
        const v = haca.decodeVoucher(c.hex)
        const signer = haca.checkVoucher(v, { chainId: c.chainId, node: c.node, channel: { ...c.channel, deposit: BigInt(c.channel.deposit) }, minCumulative: BigInt(c.minCumulative) })
        return `ok:${signer}:${v.cumulative}`
      }
      case 'merkle': {
        const proof = c.proof.map((s) => ({ left: s.left, hash: haca.fromHex(s.hash) }))
        return haca.verifyMerkleProof(haca.fromHex(c.leaf), proof, haca.fromHex(c.root)) ? 'ok' : 'false'
      }
      case 'stateProof': {
        const value = await haca.verifyStateProof(haca.fromHex(c.root), haca.fromHex(c.key), c.proof.map((n) => haca.fromHex(n)))
        if (value === undefined) return 'absent'
        return haca.toHex(value) === c.value ? `ok:${haca.toHex(value)}` : `other:${haca.toHex(value)}`
      }
      case 'requestHash':
        return `ok:${haca.hashRequest(c.body)}`
      case 'nitroDocument':
        return nitroVerdict(await haca.verifyNitroDocumentAsync(haca.fromHex(c.document), { now: c.now, trustedRootFingerprints: c.trustedRootFingerprints }))
      case 'nitroAttestation':
        return nitroVerdict(await haca.verifyNitroAttestationAsync(haca.fromHex(c.document), decodeJson(c.params) as Haca.VerifyNitroAttestationAsyncParameters))
      case 'attestationPolicy': {
        haca.checkAttestationPolicy(decodeJson(c.attestation) as Haca.VerifiedAttestation, decodeJson(c.params) as Haca.CheckAttestationPolicyParameters)
        return 'ok'
      }
    }
  } catch (err) {
    return errorVerdict(err)
  }
}

/** Whether a verdict accepts (`ok…`; a state proof's `absent` is accepted only where the case expects an absent key). */
export function accepts(verdict: string): boolean {
  return verdict.startsWith('ok')
}
