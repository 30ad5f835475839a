/**
 * A receipt as a settlement batch holds it between CheckTx and its block: the wire bytes, the
 * few decoded values the checks compare, and where the id, node and request hash lie in the
 * bytes (views made when read). One small object per receipt, not a dozen: a validator keeps
 * several batches of thousands of receipts alive for seconds, and the collector pays for every
 * object that lives that long.
 */
import type { InferenceMode, ReceiptFields } from '../../inference/receipt.ts'
import { decodeReceiptLayout } from '../../inference/receipt.ts'

/** Models and modes repeat across a batch: one string each, not one per receipt. */
const interned = new Map<string, string>()
function intern(s: string): string {
  const known = interned.get(s)
  if (known !== undefined) return known
  if (interned.size > 4096) interned.clear()
  interned.set(s, s)
  return s
}

export class BatchReceipt implements Pick<ReceiptFields, 'id' | 'node' | 'requestHash' | 'model' | 'mode' | 'price' | 'timestamp'> {
  private constructor(
    readonly bytes: Uint8Array,
    readonly model: string,
    readonly mode: InferenceMode,
    readonly price: bigint,
    readonly timestamp: number,
    private readonly idAt: number,
    private readonly nodeAt: number,
    private readonly requestHashAt: number,
  ) {}

  /** Parses with every check of `decodeReceipt` (and throws its errors). */
  static decode(bytes: Uint8Array): BatchReceipt {
    const r = decodeReceiptLayout(bytes)
    return new BatchReceipt(bytes, intern(r.model), intern(r.mode) as InferenceMode, r.price, r.timestamp, r.idAt, r.nodeAt, r.requestHashAt)
  }

  get id(): Uint8Array {
    return this.bytes.subarray(this.idAt, this.idAt + 32)
  }

  get node(): Uint8Array {
    return this.bytes.subarray(this.nodeAt, this.nodeAt + 20)
  }

  get requestHash(): Uint8Array {
    return this.bytes.subarray(this.requestHashAt, this.requestHashAt + 32)
  }
}
