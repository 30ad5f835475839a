/**
 * What went wrong when a request got no answer, in one place for every client (ledger RPC,
 * blob store, inference nodes): the system error under fetch's bare "fetch failed" (undici puts
 * it in `cause`, sometimes as an AggregateError of one error per address), node:http's errors
 * (the code on the error itself) and abort timeouts, turned into an error that names the URL
 * (credentials stripped), the failure, and what to do about it.
 */
import { BaseError, redactUrl } from '../errors.ts'

export type NetworkFailureCode = 'connection_refused' | 'timeout' | 'dns_lookup_failed' | 'tls_failed' | 'connection_reset' | 'blocked_port' | 'network_error'

export type NetworkFailure = {
  code: NetworkFailureCode
  /** What went wrong, for humans: "connection refused". */
  reason: string
  /** The system error code when there was one (ECONNREFUSED, CERT_HAS_EXPIRED…). */
  systemCode?: string
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ESOCKETTIMEDOUT'])
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME', 'EAI_NODATA'])
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED', 'UND_ERR_CLOSED'])
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN'])
const TLS_CODES = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'EPROTO'])

type ErrorLike = { code?: unknown; name?: unknown; message?: unknown; cause?: unknown; errors?: unknown; hostname?: unknown }

/** The errors under `err`: itself, its causes, and the members of AggregateErrors, outermost first. */
function chainOf(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = []
  const queue: unknown[] = [err]
  while (queue.length && out.length < 16) {
    const e = queue.shift()
    if (!e || typeof e !== 'object') continue
    out.push(e as ErrorLike)
    const { cause, errors } = e as ErrorLike
    if (cause) queue.push(cause)
    if (Array.isArray(errors)) queue.push(...errors)
  }
  return out
}

function failureOf(e: ErrorLike): NetworkFailure | undefined {
  const code = typeof e.code === 'string' ? e.code : undefined
  const message = typeof e.message === 'string' ? e.message : ''
  if (code === 'ECONNREFUSED') return { code: 'connection_refused', reason: 'connection refused', systemCode: code }
  if (code && TIMEOUT_CODES.has(code)) return { code: 'timeout', reason: code === 'UND_ERR_CONNECT_TIMEOUT' ? 'timed out connecting' : 'timed out', systemCode: code }
  if (code && DNS_CODES.has(code)) {
    const host = typeof e.hostname === 'string' ? ` for ${e.hostname}` : ''
    return { code: 'dns_lookup_failed', reason: code === 'EAI_AGAIN' ? `DNS lookup${host} failed for now (no DNS server answered)` : `DNS lookup${host} failed (no such host)`, systemCode: code }
  }
  if (code && (code.startsWith('CERT_') || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || TLS_CODES.has(code))) return { code: 'tls_failed', reason: `TLS failed: ${message || code}`, systemCode: code }
  if (code && RESET_CODES.has(code)) return { code: 'connection_reset', reason: 'the connection was closed before an answer came', systemCode: code }
  if (code && UNREACHABLE_CODES.has(code)) return { code: 'network_error', reason: `host unreachable (${code})`, systemCode: code }
  if (e.name === 'TimeoutError') return { code: 'timeout', reason: 'timed out' }
  // fetch refuses ports reserved for other protocols (1, 22, 25…) before connecting.
  if (message === 'bad port') return { code: 'blocked_port', reason: "fetch refuses this port (reserved for another protocol)" }
  return undefined
}

/** Classifies a failed request; undefined when `err` is not a network failure (a bug, a parse error…). */
export function classifyNetworkFailure(err: unknown): NetworkFailure | undefined {
  for (const e of chainOf(err)) {
    const found = failureOf(e)
    if (found) return found
  }
  return undefined
}

export type NetworkErrorParameters = {
  url: string
  /** What was being reached, for the message: "ledger node", "blob store". */
  service?: string
  /** What to do when nothing listens at the URL, in the service's terms: "Is a node running there? Start one with `haca dev`, or pass --node URL." */
  hint?: string
  /** How the user names another URL: "--node URL (or $HACA_NODE)". */
  option?: string
  /** The deadline that ran out, for timeouts. */
  timeoutMs?: number
  cause?: unknown
}

/** What to do about a network failure, in the terms of the service and option in `p`. */
export function hintForNetworkFailure(failure: NetworkFailure, p: Omit<NetworkErrorParameters, 'url'>): string {
  const elsewhere = p.option ? ` Or pass another ${p.option}.` : ''
  switch (failure.code) {
    case 'connection_refused':
      return `nothing is listening there. ${p.hint ?? `Is the service running on that host and port?${elsewhere}`}`
    case 'timeout':
      return `it took no request or sent no answer in time: is it overloaded or stuck, or is it the right host and port? Give it longer with --timeout MS.${elsewhere}`
    case 'dns_lookup_failed':
      return `check the host name for typos, and that this machine can resolve names (network, DNS).${elsewhere}`
    case 'tls_failed':
      return 'check the scheme (http:// or https://) and the server certificate (expired, self-signed, another host\'s).'
    case 'connection_reset':
      return `the server dropped the connection: is it the right port and scheme (http:// or https://)? Its log may say more.${elsewhere}`
    case 'blocked_port':
      return `run the service on another port.${elsewhere}`
    default:
      return `check the network between here and the host.${elsewhere}`
  }
}

/** A request that got no answer. `code` says which way it failed; `hint` what to do. */
export class NetworkError extends BaseError {
  override name = 'NetworkError' as const
  readonly url: string
  readonly failure: NetworkFailure

  constructor(failure: NetworkFailure, p: NetworkErrorParameters) {
    const url = redactUrl(p.url)
    const reason = failure.code === 'timeout' && p.timeoutMs !== undefined ? `no answer within ${p.timeoutMs} ms` : failure.reason
    super(`cannot reach ${p.service ? `${p.service} at ` : ''}${url}: ${reason}`, { code: failure.code, cause: p.cause, hint: hintForNetworkFailure(failure, p) })
    this.url = url
    this.failure = failure
  }
}

/** `err` as a NetworkError when it is a network failure, else undefined. */
export function networkErrorOf(err: unknown, p: Omit<NetworkErrorParameters, 'cause'>): NetworkError | undefined {
  if (err instanceof NetworkError) return err
  const failure = classifyNetworkFailure(err)
  return failure ? new NetworkError(failure, { ...p, cause: err }) : undefined
}

/**
 * The message in an error answer's body: `{"error": {"message"}}`, `{"error": "…"}`,
 * `{"message"}`, JSON-RPC's `{"error": {"data"}}`, or the text itself (trimmed, shortened).
 */
export function messageOfErrorBody(body: string): string {
  const text = body.trim()
  try {
    const json = JSON.parse(text) as Record<string, unknown>
    const e = json?.error as Record<string, unknown> | string | undefined
    if (typeof e === 'string') return e
    if (e && typeof e === 'object') {
      const m = [e.data, e.message].find((x) => typeof x === 'string' && x)
      if (typeof m === 'string') return m
    }
    if (typeof json?.message === 'string') return json.message
  } catch {
    // Not JSON: the text as it is.
  }
  const oneLine = text.replace(/\s+/g, ' ')
  return oneLine.length > 300 ? `${oneLine.slice(0, 300)}…` : oneLine
}

/** A server answered, but with an error status. */
export class HttpStatusError extends BaseError {
  override name = 'HttpStatusError' as const
  readonly status: number
  readonly url: string

  constructor({ url, service, status, statusText, body, hint }: { url: string; service?: string; status: number; statusText?: string; body: string; hint?: string }) {
    const message = messageOfErrorBody(body)
    const where = `${service ? `${service} at ` : ''}${redactUrl(url)}`
    super(`${where} answered HTTP ${status}${statusText ? ` ${statusText}` : ''}${message ? `: ${message}` : ' with no message'}`, {
      code: 'http_status',
      hint: hint ?? (status >= 500 ? 'the server failed on its side; its log may say more, or try again later.' : status === 404 ? 'is the URL right (host, port, path)?' : undefined),
    })
    this.status = status
    this.url = redactUrl(url)
  }
}
