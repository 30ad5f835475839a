/**
 * A small HTTP/1.1 request helper over node:http(s). Blob bodies are large: this streams them
 * both ways without the copies that WHATWG streams add, and keeps connections alive.
 */
import http from 'node:http'
import https from 'node:https'
import type { Readable } from 'node:stream'

export type HttpRequestParameters = {
  method: 'GET' | 'PUT' | 'HEAD'
  url: URL
  headers?: Record<string, string>
  /** A buffer, or a function that opens a fresh stream (called once per attempt). */
  body?: Uint8Array | (() => Readable)
  contentLength?: number
  /** Idle socket timeout. */
  timeoutMs: number
  agents: { http: http.Agent; https: https.Agent }
}

/** Sends one request and resolves with the response once its headers arrive. */
export function httpRequest({ method, url, headers = {}, body, contentLength, timeoutMs, agents }: HttpRequestParameters): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const isHttps = url.protocol === 'https:'
    const lib = isHttps ? https : http
    const allHeaders: Record<string, string | number> = { ...headers }
    if (body instanceof Uint8Array) allHeaders['content-length'] = body.length
    else if (body && contentLength !== undefined) allHeaders['content-length'] = contentLength
    const req = lib.request(url, { method, headers: allHeaders, agent: isHttps ? agents.https : agents.http })
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer for ${timeoutMs} ms`)))
    req.on('response', (res) => {
      res.setTimeout(timeoutMs, () => res.destroy(new Error(`response stalled for ${timeoutMs} ms`)))
      resolve(res)
    })
    req.on('error', reject)
    if (body instanceof Uint8Array) req.end(body)
    else if (body) {
      const stream = body()
      stream.on('error', (err) => req.destroy(err))
      stream.pipe(req)
    } else req.end()
  })
}

/** Reads a whole response body (for small JSON answers and in-memory blob reads). */
export async function readBody(res: http.IncomingMessage, limit = Number.MAX_SAFE_INTEGER): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) {
      res.destroy()
      throw new Error(`response body over ${limit} bytes`)
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}
