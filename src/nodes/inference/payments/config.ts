/** The `payments` section of an inference node's config file. */
import { resolve } from 'node:path'
import { type Address, parseAddress } from '../../../core/keys.ts'
import { InferenceConfigError } from '../configError.ts'

/**
 * `payments` in the node's config file. Without it, or with `required: false`, the node
 * serves without vouchers, as before.
 *
 * @example
 * "payments": { "required": true, "voucherLog": "vouchers.log", "channelTtlMs": 10000 }
 */
export type PaymentsConfig = {
  required: boolean
  /** Accepted vouchers (the durable replay guard and what the node settles with); absolute. */
  voucherLog: string
  /** The address channels name; default: the node key's address. */
  node?: Address
  /** How long a cached channel is trusted before the ledger is asked again (ms). */
  channelTtlMs?: number
}

/** Checks the section; relative paths are relative to `base` (the config file's folder); `hasLedger`: the config has a `ledger` section. */
export function parsePaymentsConfig(raw: unknown, path: string, base: string, hasLedger: boolean): PaymentsConfig {
  if (typeof raw !== 'object' || raw === null) throw new InferenceConfigError({ path, reason: 'payments must be an object' })
  const p = raw as Record<string, unknown>
  if (p.required !== undefined && typeof p.required !== 'boolean') throw new InferenceConfigError({ path, reason: 'payments.required must be true or false' })
  if (p.required === true && !hasLedger) throw new InferenceConfigError({ path, reason: 'payments.required needs a "ledger" section (channels are read from the ledger)' })
  const voucherLog = p.voucherLog ?? 'vouchers.log'
  if (typeof voucherLog !== 'string' || voucherLog === '') throw new InferenceConfigError({ path, reason: 'payments.voucherLog must be a file path' })
  let node: Address | undefined
  if (p.node !== undefined) {
    try {
      node = parseAddress(String(p.node))
    } catch {
      throw new InferenceConfigError({ path, reason: 'payments.node must be an address' })
    }
  }
  const ttl = p.channelTtlMs
  if (ttl !== undefined && !(typeof ttl === 'number' && Number.isSafeInteger(ttl) && ttl >= 0)) throw new InferenceConfigError({ path, reason: 'payments.channelTtlMs must be a non-negative integer' })
  return { required: p.required === true, voucherLog: resolve(base, voucherLog), node, channelTtlMs: ttl as number | undefined }
}
