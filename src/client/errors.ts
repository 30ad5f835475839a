/** Errors the SDK throws. Each names the node involved, so a caller knows whom not to trust. */
import { BaseError, redactUrl } from '../core/errors.ts'
import type { ReceiptCheck } from '../protocol/receipt.ts'

/** A node's receipt did not match what was sent and received, or was not signed by the node's known key. */
export class ReceiptVerificationError extends BaseError {
  override name = 'ReceiptVerificationError' as const
  readonly node: string
  readonly check: ReceiptCheck | 'missing'
  constructor({ node, address, check, reason }: { node: string; address: string; check: ReceiptCheck | 'missing'; reason: string }) {
    super(`node ${redactUrl(node)} (${address}) returned an answer whose receipt fails the ${check} check: ${reason}`, { code: 'receipt_mismatch' })
    this.node = node
    this.check = check
  }
}

/** A node answered with an error status. */
export class NodeRequestError extends BaseError {
  override name = 'NodeRequestError' as const
  readonly node: string
  readonly status: number
  constructor({ node, status, message }: { node: string; status: number; message: string }) {
    super(`node ${redactUrl(node)} answered ${status}: ${message}`, { code: 'node_request' })
    this.node = node
    this.status = status
  }
}

/** A node gave no answer within the client's deadline. */
export class NodeTimeoutError extends BaseError {
  override name = 'NodeTimeoutError' as const
  readonly node: string
  constructor({ node, timeoutMs }: { node: string; timeoutMs: number }) {
    super(`node ${redactUrl(node)} gave no answer within ${timeoutMs} ms`, { code: 'node_timeout' })
    this.node = node
  }
}

/**
 * A node's stream went quiet: no bytes for `idleMs` (the client's `streamIdleTimeoutMs`). Before
 * its first chunk the client moves on to another node; after chunks reached the caller it cannot
 * retry unseen, so iteration ends with this error and the request is aborted. `chunks` says how
 * many chunks the node had sent.
 */
export class NodeStreamStalledError extends BaseError {
  override name = 'NodeStreamStalledError' as const
  readonly node: string
  readonly idleMs: number
  readonly chunks: number
  constructor({ node, idleMs, chunks }: { node: string; idleMs: number; chunks: number }) {
    super(
      chunks === 0
        ? `node ${redactUrl(node)} stalled before its first chunk: no data for ${idleMs} ms`
        : `node ${redactUrl(node)} stalled mid-stream after ${chunks} chunk${chunks === 1 ? '' : 's'}: no data for ${idleMs} ms`,
      { code: 'node_stream_stalled' },
    )
    this.node = node
    this.idleMs = idleMs
    this.chunks = chunks
  }
}

/** A stream object was iterated a second time. */
export class StreamConsumedError extends BaseError {
  override name = 'StreamConsumedError' as const
  constructor() {
    super('this stream has already been read', { code: 'stream_consumed' })
  }
}

/** No known node serves the model in the mode asked for (within the price limit). */
export class NoNodeAvailableError extends BaseError {
  override name = 'NoNodeAvailableError' as const
  constructor({ model, mode, encrypted }: { model: string; mode?: string; encrypted?: boolean }) {
    super(`no ${encrypted ? 'node with an attested HPKE key (for encrypted requests)' : 'node'} serves model "${model}"${mode ? ` in mode ${mode}` : ''}`, { code: 'no_node' })
  }
}

/** Every candidate node failed or timed out; `attempts` says how each one failed. */
export class AllNodesFailedError extends BaseError {
  override name = 'AllNodesFailedError' as const
  readonly attempts: { node: string; error: string }[]
  constructor({ model, attempts }: { model: string; attempts: { node: string; error: string }[] }) {
    super(`every node tried for model "${model}" failed`, {
      code: 'all_nodes_failed',
      metaMessages: attempts.map((a) => `${redactUrl(a.node)}: ${a.error}`),
    })
    this.attempts = attempts
  }
}

/** `encrypted: true` with `stream: true`: streams are not sealed. */
export class EncryptedStreamError extends BaseError {
  override name = 'EncryptedStreamError' as const
  constructor() {
    super('encrypted requests cannot stream: drop "stream" or "encrypted"', { code: 'encrypted_stream' })
  }
}

/** A node's attestation did not verify against the ledger's registry (trusted roots, measurements, its registered keys). */
export class NodeAttestationError extends BaseError {
  override name = 'NodeAttestationError' as const
  readonly node: string
  /** The failed check: an attestation check code (`measurement_not_allowed`, `key_not_bound`, …), or `not_registered`, `no_registry`, `fetch`. */
  readonly check: string
  constructor({ node, check, reason, cause }: { node: string; check: string; reason: string; cause?: unknown }) {
    super(`node ${redactUrl(node)} attestation refused (${check}): ${reason}`, { code: 'node_attestation', cause })
    this.node = node
    this.check = check
  }
}
