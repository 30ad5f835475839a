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
  private buf: Buffer = Buffer.alloc(0)

  constructor(private readonly maxFrame = 256 * 1024 * 1024) {}

  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk])
    const frames: Buffer[] = []
    let off = 0
    for (;;) {
      let len = 0
      let shift = 1
      let i = off
      let complete = false
      while (i < this.buf.length) {
        const b = this.buf[i++]
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
      if (i + len > this.buf.length) break
      frames.push(this.buf.subarray(i, i + len))
      off = i + len
    }
    this.buf = off === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(off)
    return frames
  }
}
