/**
 * sha256 and keccak-256, in Node: node:crypto (OpenSSL) and js-sha3, with the allocation
 * tricks the hot paths measured. Browser bundles get hash.browser.ts (@noble/hashes) in its
 * place through package.json's `browser` field: the same functions, the same digests.
 */
import * as crypto from 'node:crypto'
import { keccak_256 } from 'js-sha3'

type OneShot = (algorithm: string, data: Uint8Array, encoding: 'binary') => string
// crypto.hash is Node ≥ 20.12; before that, the same through a Hash object.
const oneShot: OneShot = (crypto as unknown as { hash?: OneShot }).hash ?? ((algorithm, data) => crypto.createHash(algorithm).update(data).digest('binary'))

/** sha256 as a latin1 ('binary') string of 32 characters: for code that writes digests into its own buffers. */
export function sha256Binary(data: Uint8Array): string {
  return oneShot('sha256', data, 'binary')
}

/**
 * The digest as a latin1 ('binary') string, into a slice of Buffer's pool: a Buffer digest is memory of
 * its own for each 32-byte hash (2.3× slower, measured, and work for the collector), and
 * settlement takes several hashes per receipt.
 */
function digestBytes(latin1: string): Uint8Array {
  const b = Buffer.from(latin1, 'latin1')
  return new Uint8Array(b.buffer, b.byteOffset, b.length)
}

export function sha256(data: Uint8Array): Uint8Array {
  return digestBytes(sha256Binary(data))
}

// The Buffer view of the last target: a Merkle level takes thousands of digests in a row, and a
// view per digest cost a quarter of the level's time.
let lastTarget: Uint8Array | undefined
let lastView: Buffer | undefined

/** Writes sha256(data) into `target` at `offset`, with no digest object in between (Merkle levels of thousands of nodes). */
export function sha256Into(data: Uint8Array, target: Uint8Array, offset: number): void {
  if (target !== lastTarget || !lastView) {
    lastTarget = target
    lastView = Buffer.isBuffer(target) ? target : Buffer.from(target.buffer, target.byteOffset, target.byteLength)
  }
  lastView.write(sha256Binary(data), offset, 32, 'latin1')
}

const SCRATCH_BYTES = 4096
const scratch = new Uint8Array(SCRATCH_BYTES)

/** sha256 of the parts one after the other, without building their concatenation (small parts go through one reused buffer). */
export function sha256Parts(...parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const p of parts) length += p.length
  if (length > SCRATCH_BYTES) {
    const h = crypto.createHash('sha256')
    for (const p of parts) h.update(p)
    return digestBytes(h.digest('binary'))
  }
  let offset = 0
  for (const p of parts) {
    scratch.set(p, offset)
    offset += p.length
  }
  return sha256(scratch.subarray(0, length))
}

/**
 * keccak-256 (Ethereum's, not SHA3-256: OpenSSL 3.0 has no keccak). js-sha3 rather than
 * @noble/hashes: 5 µs against 17 µs for a receipt's 220 bytes on these machines, and a node
 * hashes one receipt per answer.
 */
export function keccak256(data: Uint8Array): Uint8Array {
  return new Uint8Array(keccak_256.arrayBuffer(data))
}
