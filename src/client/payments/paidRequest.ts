/**
 * What the paying fetch needs from a request a stock client makes: whether it goes to a route a
 * node charges for and signs receipts on, and if so its body as text (sent as is, both times),
 * its model and its request hash (what the voucher pays for and the receipt must name).
 */
import type { Hex } from '../../core/bytes.ts'
import { hashRequest } from '../../protocol/canonicalJson.ts'

/** The routes a node charges for and signs receipts on. */
const PAID_PATH = /\/v1\/(?:chat\/completions|completions|infer)$/

export type PaidRequest = { url: string; origin: string; init: RequestInit; body: string; model: string; requestHash: Hex }

/** Where a node's terms are remembered: one price per URL and model. */
export function termsKey(req: PaidRequest): string {
  return `${req.url}\n${req.model}`
}

/**
 * The request, if it is a POST to a paid route: its body as text, parsed for the model and the
 * request hash. Bodies that are not JSON are sent on as they are (`passThrough`), unverified:
 * the node refuses them.
 */
export async function readPaidRequest(input: string | URL | Request, init: RequestInit | undefined): Promise<PaidRequest | { passThrough: true; url: string; init: RequestInit } | undefined> {
  const request = input instanceof Request ? input : undefined
  const url = new URL(request ? request.url : String(input))
  const method = (init?.method ?? request?.method ?? 'GET').toUpperCase()
  if (method !== 'POST' || !PAID_PATH.test(url.pathname)) return undefined
  let body: string | undefined
  if (init?.body !== undefined && init.body !== null) body = await bodyText(init.body)
  else if (request) body = await request.clone().text()
  if (body === undefined) return undefined
  // The body goes as text now, so a streamed body's `duplex` goes too.
  const { body: _body, duplex: _duplex, ...rest } = (init ?? {}) as RequestInit & { duplex?: string }
  const sendInit: RequestInit = { ...rest, headers: init?.headers ?? request?.headers, signal: init?.signal ?? request?.signal }
  let json: { model?: unknown } | null
  try {
    json = JSON.parse(body)
  } catch {
    return { passThrough: true, url: url.href, init: { ...sendInit, method, body } }
  }
  if (typeof json?.model !== 'string') return { passThrough: true, url: url.href, init: { ...sendInit, method, body } }
  return { url: url.href, origin: url.origin, init: sendInit, body, model: json.model, requestHash: hashRequest(json) }
}

/** A body as text; undefined for kinds that are never JSON (forms). */
async function bodyText(body: NonNullable<RequestInit['body']>): Promise<string | undefined> {
  if (typeof body === 'string') return body
  if (body instanceof ArrayBuffer) return Buffer.from(body).toString('utf8')
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')
  if (body instanceof Blob || body instanceof ReadableStream) return new Response(body).text()
  return undefined
}
