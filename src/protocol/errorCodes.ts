/**
 * Every error code that crosses the wire: what the protocol's decoders throw, what an inference
 * node puts in its HTTP error bodies (`{ error: { message, type, code, param } }`, OpenAI's shape;
 * a 402 carries x402's `{ error, code, accepts }`), and what the ledger's payments module reports
 * for vouchers (same strings as its ABCI errors' codes). Codes are never renamed or reused:
 * clients match on them. The HTTP status each goes with is in its comment.
 *
 * Node codes not in this table: the lower-cased `code` of a Fastify 4xx (e.g.
 * `fst_err_ctp_invalid_media_type`), passed through as Fastify names it.
 */
export const ErrorCode = {
  // Formats (thrown by src/protocol; 400 when a request carries them).
  /** 400: a receipt that does not decode or verify. */
  invalidReceipt: 'invalid_receipt',
  /** 400 (`param` names the input): a tensor that does not fit the model's declared input. */
  invalidTensor: 'invalid_tensor',
  /** A value with no canonical JSON form (a non-finite number, a function): no request hash. */
  nonCanonicalJson: 'non_canonical_json',
  /** A settlement batch's entries that break the format. */
  invalidBatch: 'invalid_batch',

  // Payments (402 from a node; the ledger's payments codespace uses the same codes).
  /** 402: no voucher header on a priced request. */
  paymentRequired: 'payment_required',
  /** 402: the voucher names a channel the ledger does not have. */
  channelNotFound: 'channel_not_found',
  /** 402: a voucher that is malformed, not canonical, for another chain, channel or request, or not the client's. */
  invalidVoucher: 'invalid_voucher',
  /** 402: the channel pays another node. */
  notChannelNode: 'not_channel_node',
  /** 402: the channel is closing or closed. */
  channelClosed: 'channel_closed',
  /** 402: cumulative below the last accepted (or settled) amount plus the price. */
  voucherReplay: 'voucher_replay',
  /** 402: cumulative above the channel's deposit. */
  voucherOverspend: 'voucher_overspend',

  // Requests to an inference node.
  /** 400: the body fails the route's JSON schema. */
  invalidRequest: 'invalid_request',
  /** 400 (`param: "mode"`): the request asks for a mode this node does not answer in. */
  modeUnavailable: 'mode_unavailable',
  /** 404 (`param: "model"`): the node does not serve this model. */
  modelNotFound: 'model_not_found',
  /** 404 (`param: "id"`): no such receipt among the node's latest. */
  receiptNotFound: 'receipt_not_found',
  /** 404: the node runs without a TEE. */
  noAttestation: 'no_attestation',
  /** 429 (with `retry-after`): the node is at capacity. */
  overloaded: 'overloaded',
  /** 499: the client closed the connection before the answer was complete (seen in logs and metrics, rarely by the client). */
  clientClosedRequest: 'client_closed_request',
  /** 400: an encrypted (HPKE) request that cannot be opened. */
  hpkeRequest: 'hpke_request',
  /** 400: the decrypted body of an encrypted request is not JSON. */
  invalidJson: 'invalid_json',
  /** 400 (`param: "stream"`): encrypted requests cannot stream. */
  hpkeStream: 'hpke_stream',
  /** 500: this answer cannot be sent encrypted. */
  hpkeUnsupported: 'hpke_unsupported',
  /** 400: the LLM provider refused the request itself (its 400 or 422). */
  upstreamRejected: 'upstream_rejected',
  /** 429: the LLM provider is rate limiting the node. */
  upstreamRateLimited: 'upstream_rate_limited',
  /** 502: any other provider failure (authentication, 5xx). */
  upstreamError: 'upstream_error',
  /** 504: the provider did not answer in time. */
  upstreamTimeout: 'upstream_timeout',
  /** 500: anything else; the body says nothing more (details go to the node's log). */
  internalError: 'internal_error',
} as const

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]
