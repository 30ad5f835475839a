/** Errors the paying fetch throws. Each names the node involved (URLs without credentials). */
import { BaseError, redactUrl } from '../../core/errors.ts'

/**
 * A node whose answer failed its receipt check earlier: the paying fetch pays it nothing more.
 * Stock clients retry failed requests; without this each retry would pay the node again.
 */
export class DistrustedNodeError extends BaseError {
  override name = 'DistrustedNodeError' as const
  readonly node: string
  constructor({ node, cause }: { node: string; cause: Error }) {
    super(`node ${redactUrl(node)} sent an answer whose receipt did not verify; this fetch pays it nothing more`, { code: 'node_distrusted', cause, details: cause.message.split('\n')[0] })
    this.node = node
  }
}

/** The fetch cannot tell whose key must sign a node's receipts: the node is neither registered at that URL nor pinned. */
export class UnknownNodeError extends BaseError {
  override name = 'UnknownNodeError' as const
  readonly node: string
  constructor({ node }: { node: string }) {
    super(`no active node is registered on the ledger with the endpoint ${redactUrl(node)}: pass it in \`nodes: [{ url, address }]\` to pin the key its receipts must be signed by`, { code: 'unknown_node' })
    this.node = node
  }
}
