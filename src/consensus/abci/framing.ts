/**
 * ABCI socket framing (CometBFT v0.38): each message is an unsigned-varint length followed by
 * that many bytes of protobuf. `FrameReader` takes stream chunks and yields whole frames.
 */
import { BaseError } from '../../core/errors.ts'
export function encodeUvarint(n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return Uint8Array.from(out)
}

export function frame(message: Uint8Array): Buffer {
  return Buffer.concat([encodeUvarint(message.length), message])
}

export class FrameTooLargeError extends BaseError {
  override name = 'FrameTooLargeError' as const
  constructor(size: number, max: number) {
    super(`ABCI message of ${size} bytes exceeds the ${max}-byte limit`, { code: 'abci_frame_too_large' })
  }
}

export class FrameReader {
  /** Bytes received and not yet framed, in arrival order. */
  private chunks: Buffer[] = []
  private size = 0
  /** Bytes the frame being received needs in all: until then chunks are only collected (a 1.5 MB FinalizeBlock arrives in dozens of chunks, and joining them on each was quadratic). */
  private need = 0

  constructor(private readonly maxFrame = 256 * 1024 * 1024) {}

  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk)
    this.size += chunk.length
    if (this.size < this.need) return []
    const buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.size)
    const frames: Buffer[] = []
    let off = 0
    this.need = 0
    for (;;) {
      let len = 0
      let shift = 1
      let i = off
      let complete = false
      while (i < buf.length) {
        const b = buf[i++]
        len += (b & 0x7f) * shift
        if (b < 0x80) {
          complete = true
          break
        }
        shift *= 128
        if (shift > 2 ** 49) throw new FrameTooLargeError(Infinity, this.maxFrame)
      }
      if (!complete) break
      if (len > this.maxFrame) throw new FrameTooLargeError(len, this.maxFrame)
      if (i + len > buf.length) {
        this.need = i - off + len
        break
      }
      // A frame is the request's memory from here on (the app may keep views of it, e.g. a cached
      // transaction): a small one is copied out, so it does not keep a large buffer alive with it.
      frames.push(2 * len < buf.length ? Buffer.from(buf.subarray(i, i + len)) : buf.subarray(i, i + len))
      off = i + len
    }
    const rest = buf.subarray(off)
    this.chunks = rest.length === 0 ? [] : [rest]
    this.size = rest.length
    return frames
  }
}
