/**
 * Runs one request against the best node for it, moving on to the next candidate when a node
 * is unreachable, times out, is overloaded or fails upstream. A receipt that does not verify
 * is not retried: it is reported, naming the node.
 */
import type { InferenceMode } from '../protocol/modes.ts'
// Keep-alive node:http transport: the built-in fetch costs ~0.3 ms more per call on loopback.
import { httpFetch } from '../core/http/httpFetch.ts'
import { networkErrorOf } from '../core/http/networkError.ts'
import { BaseError } from '../core/errors.ts'
import { AllNodesFailedError, NoNodeAvailableError, NodeRequestError, NodeTimeoutError, ReceiptVerificationError } from './errors.ts'
import type { NodeModel } from './nodeDirectory.ts'
import { type Candidate, selectNodes } from './selectNodes.ts'
import type { HacaClientContext } from './clientContext.ts'
import { type Hex, fromHex } from '../core/bytes.ts'
import { sealRequest } from '../attestation/hpkeChannel.ts'
import { HPKE_CONTENT_TYPE } from '../protocol/http.ts'

/** Content type of HPKE-sealed bodies (the node's `encryptedRequests.ts`). */

/** Sends `body` sealed to `hpkePublicKey`; returns the answer with its body opened (a node that could not decrypt answers in clear). */
async function postSealed(url: string, body: string, hpkePublicKey: Uint8Array, signal: AbortSignal, extraHeaders: Record<string, string> = {}): Promise<Response> {
  const { request, openResponse } = await sealRequest(hpkePublicKey, Buffer.from(body, 'utf8'))
  const res = await httpFetch(url, { method: 'POST', headers: { 'content-type': HPKE_CONTENT_TYPE, ...extraHeaders }, body: Buffer.from(request), signal })
  const bytes = new Uint8Array(await res.arrayBuffer())
  const sealed = (res.headers.get('content-type') ?? '').startsWith(HPKE_CONTENT_TYPE)
  const plain = sealed ? openResponse(bytes) : bytes
  const headers = new Headers(res.headers)
  headers.delete('content-length')
  if (sealed) headers.set('content-type', 'application/json; charset=utf-8')
  return new Response(plain.length ? plain : null, { status: res.status, headers })
}

export type CallNodesParameters = {
  model: string
  mode?: InferenceMode
  maxPrice?: bigint
  kind: NodeModel['kind']
  /** Only nodes with an attested HPKE key (for encrypted requests). */
  encrypted?: boolean
}

function retryable(err: unknown): boolean {
  if (err instanceof ReceiptVerificationError) return false
  if (err instanceof NodeRequestError) return err.status >= 500 || err.status === 429 || err.status === 404 || err.status === 408
  return true
}

export async function callNodes<T>(client: HacaClientContext, params: CallNodesParameters, attempt: (candidate: Candidate) => Promise<T>): Promise<T> {
  const pick = async () => selectNodes((await client.directory.listNodes()).filter((n) => !params.encrypted || n.hpkePublicKey), client.stats, params).slice(0, client.maxAttempts)
  let candidates = await pick()
  if (candidates.length === 0 && client.directory.invalidate) {
    // A cached node list may predate the model (registered a moment ago): look again once.
    client.directory.invalidate()
    candidates = await pick()
  }
  if (candidates.length === 0) throw new NoNodeAvailableError({ model: params.model, mode: params.mode, encrypted: params.encrypted })
  const attempts: { node: string; error: string }[] = []
  for (const candidate of candidates) {
    const started = performance.now()
    try {
      const result = await attempt(candidate)
      client.stats.recordSuccess(candidate.node.url, performance.now() - started)
      return result
    } catch (err) {
      client.stats.recordFailure(candidate.node.url)
      if (!retryable(err)) throw err
      attempts.push({ node: candidate.node.url, error: err instanceof Error ? err.message.split('\n')[0] : String(err) })
    }
  }
  throw new AllNodesFailedError({ model: params.model, attempts })
}

/**
 * POSTs JSON with a deadline; non-2xx answers become NodeRequestError. With `sealTo` (a node's
 * attested HPKE key) the body is sent encrypted and the answer decrypted before it is returned.
 * The deadline runs until `cancelTimeout`: a plain answer is read whole (httpFetch) before this
 * returns, so the deadline covers its body too; a stream (SSE) returns at its headers, and its
 * reader bounds each wait for data itself (chatStream.ts). `abort` closes the request's socket.
 */
export async function postJson(url: string, body: string, timeoutMs: number, sealTo?: Hex, extraHeaders: Record<string, string> = {}): Promise<{ response: Response; cancelTimeout: () => void; abort: (reason: Error) => void }> {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new NodeTimeoutError({ node: new URL(url).origin, timeoutMs })), timeoutMs)
  let response: Response
  try {
    if (sealTo) {
      response = await postSealed(url, body, fromHex(sealTo), controller.signal, extraHeaders)
    } else {
      response = await httpFetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...extraHeaders }, body, signal: controller.signal })
    }
  } catch (err) {
    clearTimeout(timer)
    // A refused port, a failed DNS lookup…: said so, with the node's URL, instead of "fetch failed".
    throw err instanceof BaseError ? err : (networkErrorOf(err, { url, service: 'inference node' }) ?? err)
  }
  if (!response.ok) {
    const text = await response.text().catch(() => '')
    clearTimeout(timer)
    let message = text.slice(0, 300)
    try {
      const parsed = JSON.parse(text) as { error?: string | { message?: string } }
      // Node errors, 402s included, are OpenAI-shaped ({ error: { message } }); a bare string is read too.
      message = (typeof parsed.error === 'string' ? parsed.error : parsed.error?.message) ?? message
    } catch {
      // Not JSON: keep the text.
    }
    throw new NodeRequestError({ node: new URL(url).origin, status: response.status, message })
  }
  return {
    response,
    cancelTimeout: () => clearTimeout(timer),
    abort: (reason) => {
      clearTimeout(timer)
      controller.abort(reason)
    },
  }
}
