/**
 * Just enough DER for the WebCrypto certificate checks: the byte spans of a certificate's
 * parts exactly as received (a signature covers those bytes, never a re-encoding of what a
 * parser understood), and ECDSA signatures from DER to the raw r ‖ s that WebCrypto takes.
 */

/** One element: its tag byte and where its header, content and end lie in the input. */
export type DerElement = { tag: number; start: number; contentStart: number; end: number }

/**
 * Reads the element at `offset` (definite lengths); null if it runs past `limit`. A tag in the
 * multi-byte form is read as OpenSSL reads it: a number below 31 is that single-byte tag, a
 * larger one a value no single-byte tag equals.
 */
export function readElement(bytes: Uint8Array, offset: number, limit = bytes.length): DerElement | null {
  if (offset + 2 > limit) return null
  let tag = bytes[offset]
  let at = offset + 1
  if ((tag & 0x1f) === 0x1f) {
    let number = 0
    for (;;) {
      if (at >= limit || number > 0xffffff) return null
      const b = bytes[at++]
      number = number * 128 + (b & 0x7f)
      if (!(b & 0x80)) break
    }
    tag = number < 31 ? (tag & 0xe0) | number : 0x10000 + number
  }
  if (at >= limit) return null
  let length = bytes[at]
  let contentStart = at + 1
  if (length & 0x80) {
    const size = length & 0x7f
    if (size === 0 || size > 4 || contentStart + size > limit) return null
    length = 0
    for (let i = 0; i < size; i++) length = length * 256 + bytes[contentStart + i]
    contentStart += size
  }
  const end = contentStart + length
  return end > limit ? null : { tag, start: offset, contentStart, end }
}

/** The children of a constructed element, in order; null if they do not exactly fill it. */
export function childrenOf(bytes: Uint8Array, parent: DerElement): DerElement[] | null {
  const children: DerElement[] = []
  let at = parent.contentStart
  while (at < parent.end) {
    const child = readElement(bytes, at, parent.end)
    if (!child) return null
    children.push(child)
    at = child.end
  }
  return children
}

/** A length as DER writes it: short form below 128, else the fewest bytes. */
function derLength(length: number): number[] {
  if (length < 0x80) return [length]
  const out: number[] = []
  for (let n = length; n > 0; n = Math.floor(n / 256)) out.unshift(n & 0xff)
  return [0x80 | out.length, ...out]
}

/**
 * ECDSA-Sig-Value (SEQUENCE of two INTEGERs) to r ‖ s of `size` bytes each. Null for anything
 * but the one DER encoding of two positive integers that fit: OpenSSL re-encodes what it
 * decoded and refuses a signature whose bytes differ, and so must we, or a re-encoded
 * (malleated) signature would pass here and fail in Node.
 */
export function ecdsaDerToRaw(sig: Uint8Array, size: number): Uint8Array | null {
  const seq = readElement(sig, 0)
  if (!seq || seq.tag !== 0x30 || seq.end !== sig.length) return null
  const ints = childrenOf(sig, seq)
  if (!ints || ints.length !== 2) return null
  const raw = new Uint8Array(2 * size)
  for (const [i, int] of ints.entries()) {
    if (int.tag !== 0x02) return null
    let value = sig.subarray(int.contentStart, int.end)
    if (value.length === 0 || value[0] & 0x80) return null // empty or negative
    if (value[0] === 0 && (value.length === 1 || !(value[1] & 0x80))) return null // zero or non-minimal
    if (value[0] === 0) value = value.subarray(1)
    if (value.length > size) return null
    raw.set(value, (i + 1) * size - value.length)
  }
  // Only the minimal length forms: re-encode the headers and compare.
  const expected = [0x30, ...derLength(seq.end - seq.contentStart)]
  for (const int of ints) expected.push(0x02, ...derLength(int.end - int.contentStart))
  const actual = [...sig.subarray(0, seq.contentStart), ...ints.flatMap((int) => [...sig.subarray(int.start, int.contentStart)])]
  return expected.length === actual.length && expected.every((b, i) => b === actual[i]) ? raw : null
}
