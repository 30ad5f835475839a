/**
 * The blob store as the rest of haca sees it: Walrus in production, the embedded store on
 * one machine, both reached through `WalrusClient`. Reads always say how the bytes are
 * checked, so no caller can use a blob it has not verified.
 */

export type PutBlobOptions = {
  /** Storage epochs ahead (Walrus `epochs`); 1 unless given. */
  epochs?: number
  /** Walrus `deletable` / `permanent`; the publisher's default unless given. */
  deletable?: boolean
}

export type PutBlobResult = {
  blobId: string
  /** `newlyCreated` the first time these bytes are stored, `alreadyCertified` after. */
  status: 'newlyCreated' | 'alreadyCertified'
  /** Epoch at which storage ends (exclusive). */
  endEpoch: number
  /** Sui object ID of the blob, when the publisher created one. */
  objectId?: string
}

/**
 * How a read is checked before its bytes are handed over:
 * - `{ sha256 }`: the bytes must hash to this (hex, with or without 0x), e.g. from a model manifest;
 * - `{ blobId: true }`: the blob ID is recomputed from the bytes (costs over a second at 1000 shards).
 */
export type BlobVerification = { sha256: string; size?: number } | { blobId: true }

export type ReadProgress = (done: number, total: number | undefined) => void

export interface BlobStore {
  /** Stores bytes held in memory. */
  put(data: Uint8Array, options?: PutBlobOptions): Promise<PutBlobResult>
  /** Stores a file's contents, streamed from disk. */
  putFile(path: string, options?: PutBlobOptions): Promise<PutBlobResult>
  /** Reads a whole blob into memory, verified. */
  get(blobId: string, options: { verify: BlobVerification }): Promise<Uint8Array>
  /** Reads bytes [start, end] (inclusive) of a blob; the caller gives the range's own sha256. */
  getRange(blobId: string, options: { start: number; end: number; verify: { sha256: string } }): Promise<Uint8Array>
  /**
   * Streams a blob to `dest`, verified by sha256 on the way; `dest` appears only once the
   * bytes are complete and match (written to a temp file, then renamed).
   */
  getToFile(blobId: string, dest: string, options: { verify: { sha256: string; size?: number }; onProgress?: ReadProgress }): Promise<{ size: number }>
  /** Whether the store holds the blob. */
  exists(blobId: string): Promise<boolean>
}
