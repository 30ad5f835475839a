/**
 * The golden-vector check, with no imports at all: the Node tests run it (vectors.test.ts), and
 * a browser build of the protocol runs the same function on the same JSON files.
 *
 * A vector file is one format's cases, made once by scripts/make-protocol-vectors.ts with the
 * fixed test key written in the file, and committed. `checkVectors` checks an implementation
 * both ways against it: encoding each case's fields gives exactly the recorded bytes, digest,
 * signature and other outputs; decoding the bytes gives exactly the fields; the signature
 * recovers the file's address; and the bytes with any one byte flipped are refused. An encoder
 * and decoder changed together still round-trip, so only the fixed bytes catch that.
 */

export type VectorHex = `0x${string}`

/** One case: its fields as JSON (integers that may pass 2^53 as decimal strings, bytes as 0x hex) and what encoding them gives. */
export type VectorCase = {
  name: string
  fields: Record<string, unknown>
  /** The format's bytes: the wire form, or the preimage that is hashed. */
  bytes: VectorHex
  /** The 32-byte hash of the format (for signed formats, what the key signs). */
  digest?: VectorHex
  /** 65 bytes r ‖ s ‖ v (v = 0 or 1), by the file's key over `digest`. */
  signature?: VectorHex
  /** Another form of the fields, where a format has one (a request body as sent, before canonicalisation). */
  input?: string
  /** Further outputs of the format (an id, a root, leaves, proofs, …), each checked like `bytes`. */
  [output: string]: unknown
}

export type VectorFile = {
  format: string
  /** What the format is and how its bytes are laid out, for a reader of the file. */
  description: string
  /** The fixed test key every signed case is signed with. Public test data, never a real key. */
  privateKey: VectorHex
  /** The key's address, which every signature must recover. */
  address: VectorHex
  cases: VectorCase[]
}

/** What a format's implementation offers the check; in Node the protocol modules, in a browser their browser build. */
export type VectorImpl = {
  /** Every output a case records (`bytes`, `digest`, `signature`, …), computed from its fields alone (and the key, to sign). */
  encode(fields: Record<string, unknown>, privateKey: VectorHex): Record<string, unknown>
  /** The fields read back from the bytes (and the signature, where the bytes carry one). Throws on bytes it refuses. */
  decode(bytes: VectorHex): { fields: Record<string, unknown>; signature?: VectorHex }
  /** Signed formats: the address the case's signature recovers, or null. */
  signer?(c: VectorCase): string | null
  /**
   * The format's own acceptance check for bytes presented as this case (decode, verify the
   * signature against the file's address, compare the digest or root): true to accept; false
   * or a throw to refuse.
   */
  accepts(bytes: VectorHex, c: VectorCase, file: VectorFile): boolean
  /** Further checks of the format (inclusion proofs, their tampering); returns failures. */
  extraChecks?(c: VectorCase, file: VectorFile): string[]
}

/** What a case holds besides the outputs of `encode`: `input` is another form of the fields (a request body as sent, say) for `extraChecks`. */
const INPUT_KEYS = new Set(['name', 'fields', 'note', 'input'])

/** Flipping every byte of bytes up to this length, a spread of positions beyond it. */
const FLIP_ALL_UP_TO = 1024
const FLIP_SAMPLES = 256

/**
 * Checks `impl` against one format's vectors; returns the failures (empty when all pass), each
 * naming the case and what differs.
 *
 * @example
 * const failures = checkVectors('voucher', voucherVectors, VECTOR_IMPLS.voucher)
 * if (failures.length) throw new Error(failures.join('\n'))
 */
export function checkVectors(format: string, file: VectorFile, impl: VectorImpl): string[] {
  const failures: string[] = []
  if (file.format !== format) failures.push(`the file holds "${file.format}" vectors, not "${format}"`)
  if (file.cases.length === 0) failures.push('the file has no cases')
  for (const c of file.cases) {
    const fail = (what: string) => failures.push(`${format} / ${c.name}: ${what}`)
    const attempt = (step: string, run: () => void) => {
      try {
        run()
      } catch (err) {
        fail(`${step} threw: ${err instanceof Error ? err.message : String(err)}`)
      }
    }
    attempt('encode', () => {
      const out = impl.encode(c.fields, file.privateKey)
      for (const key of Object.keys(c)) {
        if (!INPUT_KEYS.has(key) && !(key in out)) fail(`encode does not produce the recorded "${key}"`)
      }
      for (const [key, value] of Object.entries(out)) {
        if (!(key in c)) fail(`encode produces "${key}", which the vector does not record`)
        else if (!sameJson(value, c[key])) fail(`encode gives ${key} ${show(value)}, the vector has ${show(c[key])}`)
      }
    })
    attempt('decode', () => {
      const got = impl.decode(c.bytes)
      if (!sameJson(got.fields, c.fields)) fail(`decoding the bytes gives ${show(got.fields)}, the vector's fields are ${show(c.fields)}`)
      if (got.signature !== undefined && got.signature !== c.signature) fail(`decoding the bytes gives signature ${got.signature}, the vector has ${c.signature}`)
    })
    if (c.signature !== undefined) {
      attempt('signer', () => {
        if (!impl.signer) return fail('a signed case, and the implementation recovers no signer')
        const signer = impl.signer(c)
        if (signer?.toLowerCase() !== file.address.toLowerCase()) fail(`the signature recovers ${signer}, not the key's address ${file.address}`)
      })
    }
    attempt('accept', () => {
      if (!impl.accepts(c.bytes, c, file)) fail('the untouched bytes are refused')
    })
    const length = (c.bytes.length - 2) / 2
    for (const at of flipPositions(length)) {
      const tampered = flipByte(c.bytes, at)
      let accepted: boolean
      try {
        accepted = impl.accepts(tampered, c, file)
      } catch {
        accepted = false
      }
      if (accepted) fail(`byte ${at} flipped (0x${c.bytes.slice(2 + 2 * at, 4 + 2 * at)} → 0x${tampered.slice(2 + 2 * at, 4 + 2 * at)}) is still accepted`)
    }
    if (impl.extraChecks) attempt('extra checks', () => impl.extraChecks!(c, file).forEach(fail))
  }
  return failures
}

function flipPositions(length: number): number[] {
  if (length <= FLIP_ALL_UP_TO) return Array.from({ length }, (_, i) => i)
  const step = length / FLIP_SAMPLES
  return Array.from({ length: FLIP_SAMPLES }, (_, i) => Math.floor(i * step)).concat(length - 1)
}

/** `hex` with the byte at `at` XORed with 0x01 (the smallest change, and one that keeps ASCII text ASCII). */
export function flipByte(hex: VectorHex, at: number): VectorHex {
  const i = 2 + 2 * at
  const flipped = (parseInt(hex.slice(i, i + 2), 16) ^ 0x01).toString(16).padStart(2, '0')
  return `${hex.slice(0, i)}${flipped}${hex.slice(i + 2)}` as VectorHex
}

/** Equal as JSON with object keys in any order (-0 and 0 alike, as JSON writes them). */
export function sameJson(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b)
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return `${v}n`
    if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
    return v
  })
}

function show(value: unknown): string {
  const text = stableJson(value) ?? String(value)
  return text.length > 200 ? `${text.slice(0, 197)}...` : text
}
