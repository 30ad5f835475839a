/**
 * What the SDK's operations read of a client (viem's `Client`): where nodes are found, how each
 * has done so far, the deadlines and the payments. `HacaClient` is one; the operations take this
 * type, not the class, so they can be called with any such object and import nothing of the class.
 */
import type { NodeDirectory } from './nodeDirectory.ts'
import type { NodeStats } from './selectNodes.ts'
import type { ClientPayments } from './payments/paymentHeaders.ts'

export type HacaClientContext = {
  readonly directory: NodeDirectory
  readonly stats: NodeStats
  /** Per-attempt deadline in ms (see `HacaClientParameters.timeoutMs`). */
  readonly timeoutMs: number
  /** Longest silence in ms a stream may keep (see `HacaClientParameters.streamIdleTimeoutMs`). */
  readonly streamIdleTimeoutMs: number
  /** Most nodes tried for one request. */
  readonly maxAttempts: number
  readonly payments?: ClientPayments
}
