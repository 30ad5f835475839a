/**
 * Walrus blob IDs. A blob ID is derived from the blob's erasure-coded metadata (encoding
 * type, length and the Merkle root over the sliver hashes), which depends on the shard
 * count: the same bytes get the same ID here as on a Walrus network with the same number of
 * shards (1000 on mainnet and testnet). `@mysten/walrus-wasm` does the encoding; its 32-byte
 * result is printed as URL-safe base64 without padding, as Walrus's `BlobId` Display and the
 * TypeScript SDK's `blobIdFromBytes` do.
 */
import { BlobEncoder } from '@mysten/walrus-wasm'
import { InvalidBlobIdError } from './errors.ts'

/** Shard count of Walrus mainnet and testnet. */
export const WALRUS_MAINNET_SHARDS = 1000

const BLOB_ID_RE = /^[A-Za-z0-9_-]{43}$/

/** URL-safe base64 without padding, as Walrus prints blob IDs. */
export function blobIdFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 32) throw new RangeError(`a blob ID is 32 bytes, got ${bytes.length}`)
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

export function blobIdToBytes(blobId: string): Uint8Array {
  assertBlobId(blobId)
  return new Uint8Array(Buffer.from(blobId, 'base64url'))
}

export function isBlobId(value: string): boolean {
  // 43 characters encode 258 bits; the last character must leave the 2 spare bits zero.
  return BLOB_ID_RE.test(value) && Buffer.from(value, 'base64url').toString('base64url') === value
}

export function assertBlobId(value: string): void {
  if (!isBlobId(value)) throw new InvalidBlobIdError({ blobId: value })
}

/**
 * The largest blob Walrus can encode with `shards` shards: primary x secondary source symbols
 * of at most 65534 bytes each (symbol sizes are even and fit a u16). About 13.6 GiB at 1000
 * shards, but only 1.8 MB at 10, so small test networks must keep blobs small.
 */
export function maxBlobSizeForShards(shards: number): number {
  const maxFaulty = Math.floor((shards - 1) / 3)
  const minCorrect = shards - maxFaulty
  const primarySymbols = minCorrect - maxFaulty
  return primarySymbols * minCorrect * 65534
}

const encoders = new Map<number, BlobEncoder>()

/**
 * Computes the Walrus blob ID of `bytes` on the calling thread. At 1000 shards this takes over
 * a second even for a few bytes: servers use `BlobIdWorker` instead.
 *
 * @example
 * computeBlobId(new TextEncoder().encode('hello'), { shards: 1000 })
 */
export function computeBlobId(bytes: Uint8Array, { shards = WALRUS_MAINNET_SHARDS }: { shards?: number } = {}): string {
  let encoder = encoders.get(shards)
  if (!encoder) {
    encoder = new BlobEncoder(shards)
    encoders.set(shards, encoder)
  }
  const [id] = encoder.compute_metadata(bytes) as [number[], unknown, number, string]
  return blobIdFromBytes(Uint8Array.from(id))
}
