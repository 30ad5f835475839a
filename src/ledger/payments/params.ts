/**
 * Payments parameters: set at genesis (`app_state.payments`), kept in state so the app hash
 * covers them.
 */
import { RLP } from '@ethereumjs/rlp'
import { bigintToBytes } from '../../core/bytes.ts'
import type { StateReader, StateStore } from '../state/overlay.ts'
import { readStored } from '../state/corruptState.ts'
import { readList, readUint } from '../tx/fields.ts'
import { ErrInvalidPaymentsGenesis } from './errors.ts'
import { PAYMENTS_PARAMS_KEY } from './keys.ts'

export type PaymentsParams = {
  /** Protocol fee on settled amounts, in basis points (0..10000), rounded down. */
  feeBps: bigint
  /** Block-time milliseconds between `close_channel` and `withdraw`, during which the node can still settle. */
  challengePeriodMs: bigint
}

/** `app_state.payments` as JSON; integers as decimal strings (or small numbers). */
export type PaymentsGenesis = { feeBps?: string | number; challengePeriodMs?: string | number }

export const PAYMENTS_DEFAULTS: PaymentsParams = { feeBps: 100n, challengePeriodMs: 3_600_000n }

function integer(value: unknown, field: string, fallback: bigint): bigint {
  if (value === undefined) return fallback
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value)
  if (typeof value === 'string' && /^[0-9]+$/.test(value)) return BigInt(value)
  throw new ErrInvalidPaymentsGenesis(`app_state.payments.${field} must be a non-negative integer (decimal string)`)
}

/** Checks `app_state.payments`; throws ErrInvalidPaymentsGenesis naming the field. */
export function paymentsParamsFromGenesis(g: PaymentsGenesis | undefined): PaymentsParams {
  if (g === undefined) return PAYMENTS_DEFAULTS
  if (typeof g !== 'object' || g === null) throw new ErrInvalidPaymentsGenesis('app_state.payments must be an object')
  const feeBps = integer(g.feeBps, 'feeBps', PAYMENTS_DEFAULTS.feeBps)
  if (feeBps > 10_000n) throw new ErrInvalidPaymentsGenesis('app_state.payments.feeBps must be at most 10000')
  return { feeBps, challengePeriodMs: integer(g.challengePeriodMs, 'challengePeriodMs', PAYMENTS_DEFAULTS.challengePeriodMs) }
}

export function setPaymentsParams(store: StateStore, p: PaymentsParams): void {
  store.set(PAYMENTS_PARAMS_KEY, RLP.encode([bigintToBytes(p.feeBps), bigintToBytes(p.challengePeriodMs)]))
}

/** The stored params; the defaults on a chain whose genesis predates the module. */
export async function getPaymentsParams(store: StateReader): Promise<PaymentsParams> {
  const stored = await readStored(store, PAYMENTS_PARAMS_KEY, (raw) => {
    const it = readList(RLP.decode(raw), 'payments params', 2)
    return { feeBps: readUint(it[0], 'feeBps'), challengePeriodMs: readUint(it[1], 'challengePeriodMs') }
  })
  return stored ?? PAYMENTS_DEFAULTS
}

/** The protocol fee on `amount`: floor(amount × feeBps / 10000), integers only. */
export function protocolFee(amount: bigint, feeBps: bigint): bigint {
  return (amount * feeBps) / 10_000n
}
