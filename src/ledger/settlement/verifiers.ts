/**
 * Per-mode checks of settled receipts: what a receipt's mode demands of the node that signed
 * it. ZKML proofs plug in here as one more entry.
 */
import { toHex } from '../../core/bytes.ts'
import type { ReceiptFields } from '../../protocol/receipt.ts'
import type { NodeRecord } from '../registry/node.ts'
import { ErrUnsupportedMode } from './errors.ts'

export type ModeVerifier = (receipt: Pick<ReceiptFields, 'id' | 'mode'>, node: NodeRecord) => void

export const MODE_VERIFIERS: Record<string, ModeVerifier> = {
  vanilla: () => {},
  tee: (r, node) => {
    if (node.tee === 'none') throw new ErrUnsupportedMode(`receipt ${toHex(r.id)} claims mode "tee" but its node has no attested enclave`)
  },
  zkml: (r) => {
    throw new ErrUnsupportedMode(`receipt ${toHex(r.id)} is in mode "zkml": no ZKML proof verifier is installed on this chain yet`)
  },
}
