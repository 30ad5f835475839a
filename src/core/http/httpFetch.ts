/**
 * A `fetch` over node:http/https with keep-alive agents, for provider SDKs, the client SDK and
 * the ledger RPC. Node's built-in fetch (undici) costs about 0.4 ms a call on loopback here,
 * more than everything else a node does per request. The official SDKs take a `fetch` option,
 * so they keep their behaviour (retries, parsing, streaming) and only the transport changes.
 */
import { Readable } from 'node:stream'
import zlib from 'node:zlib'
import { transportFor } from './keepAliveAgents.ts'

function bodyOf(body: unknown): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined
  if (typeof body === 'string' || body instanceof Uint8Array) return body
  if (body instanceof ArrayBuffer) return new Uint8Array(body)
  return undefined
}

/** Same contract as `fetch` for what the SDKs send (string or byte bodies); other bodies fall back to the built-in fetch. */
export async function httpFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  if (typeof input !== 'string' && !(input instanceof URL)) return fetch(input, init)
  const body = bodyOf(init.body)
  if (init.body != null && body === undefined) return fetch(input, init)
  const url = new URL(input)
  const transport = transportFor(url.protocol)
  if (!transport) return fetch(input, init)
  const { agent, request } = transport
  const headers: Record<string, string> = {}
  new Headers(init.headers).forEach((value, key) => { headers[key] = value })
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body))
  const signal = init.signal ?? undefined
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new DOMException('aborted', 'AbortError'))
    const req = request(url, { method: init.method ?? 'GET', headers, agent }, (incoming) => {
      // Like fetch, hand over the decoded body (a server may compress even unasked).
      const encoding = String(incoming.headers['content-encoding'] ?? '').toLowerCase()
      const decoder = encoding === 'gzip' ? zlib.createGunzip() : encoding === 'deflate' ? zlib.createInflate() : encoding === 'br' ? zlib.createBrotliDecompress() : null
      const res = decoder ? incoming.pipe(decoder) : incoming
      if (decoder) {
        incoming.on('error', (err) => decoder.destroy(err))
        delete incoming.headers['content-encoding']
        delete incoming.headers['content-length']
      }
      const responseHeaders = new Headers()
      for (const [key, value] of Object.entries(incoming.headers)) {
        if (Array.isArray(value)) for (const v of value) responseHeaders.append(key, v)
        else if (value !== undefined) responseHeaders.set(key, value)
      }
      const status = incoming.statusCode ?? 500
      const meta = { status, statusText: incoming.statusMessage, headers: responseHeaders }
      if (status === 204 || status === 304 || init.method === 'HEAD') {
        res.resume()
        return resolve(new Response(null, meta))
      }
      if (String(incoming.headers['content-type']).startsWith('text/event-stream')) return resolve(new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, meta))
      // A plain answer is small: reading it whole skips the web-stream bridge, the slowest part of the call.
      const parts: Buffer[] = []
      res.on('data', (part: Buffer) => parts.push(part))
      res.on('end', () => resolve(new Response(parts.length === 1 ? parts[0] : Buffer.concat(parts), meta)))
      res.on('error', reject)
    })
    const onAbort = () => {
      const reason = signal?.reason ?? new DOMException('aborted', 'AbortError')
      req.destroy(reason instanceof Error ? reason : new Error(String(reason)))
      reject(reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    req.on('error', (err) => reject(err))
    req.on('close', () => signal?.removeEventListener('abort', onAbort))
    req.end(body)
  })
}
