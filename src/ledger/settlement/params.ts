import { RLP } from '@ethereumjs/rlp'
import { bigintToBytes } from '../../core/bytes.ts'
import type { StateReader, StateStore } from '../state/overlay.ts'
import { readStored } from '../state/corruptState.ts'
import { readList, readSmallUint } from '../tx/fields.ts'
import { ErrInvalidBatch } from './errors.ts'
import { SETTLEMENT_PARAMS_KEY as PARAMS_KEY } from './keys.ts'

export type SettlementParams = {
  /**
   * Check every receipt's signature on the ledger too. Off by default: the batch signature
   * already binds the node to every receipt in it, clients checked each receipt when they got
   * it, and a signature check per receipt costs more than the rest of settling it (BENCHMARKS.md).
   */
  verifyReceiptSignatures: boolean
  /** Share of a slashed stake that goes to the client who proved the fraud, in basis points. */
  slashCompensationBps: number
}

export const SETTLEMENT_DEFAULTS: SettlementParams = { verifyReceiptSignatures: false, slashCompensationBps: 5000 }

export async function getSettlementParams(store: StateReader): Promise<SettlementParams> {
  const stored = await readStored(store, PARAMS_KEY, (raw) => {
    const it = readList(RLP.decode(raw), 'settlement params', 2)
    return { verifyReceiptSignatures: readSmallUint(it[0], 'verify') === 1, slashCompensationBps: readSmallUint(it[1], 'bps') }
  })
  return stored ?? SETTLEMENT_DEFAULTS
}

export function settlementParamsFromGenesis(g: { verifyReceiptSignatures?: boolean; slashCompensationBps?: number } | undefined): SettlementParams | undefined {
  if (!g) return undefined
  const bps = g.slashCompensationBps ?? SETTLEMENT_DEFAULTS.slashCompensationBps
  if (!Number.isInteger(bps) || bps < 0 || bps > 10_000) throw new ErrInvalidBatch('app_state.settlement.slashCompensationBps must be an integer from 0 to 10000')
  return { verifyReceiptSignatures: g.verifyReceiptSignatures === true, slashCompensationBps: bps }
}

export function setSettlementParams(store: StateStore, p: SettlementParams): void {
  store.set(PARAMS_KEY, RLP.encode([bigintToBytes(p.verifyReceiptSignatures ? 1n : 0n), bigintToBytes(BigInt(p.slashCompensationBps))]))
}
