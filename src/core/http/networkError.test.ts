import { test } from 'node:test'
import assert from 'node:assert/strict'
import { type AddressInfo, createServer } from 'node:net'
import { HttpStatusError, NetworkError, classifyNetworkFailure, messageOfErrorBody, networkErrorOf } from './networkError.ts'
import { httpFetch } from './httpFetch.ts'

/** undici's shape: TypeError('fetch failed') with the system error as its cause. */
const fetchFailed = (cause: unknown) => new TypeError('fetch failed', { cause })
const sysError = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`${code} something`), { code, ...extra })

async function refusedPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address() as AddressInfo
  await new Promise((r) => s.close(r))
  return port
}

test('each cause under "fetch failed" is named', () => {
  const cases: Array<[unknown, string]> = [
    [fetchFailed(sysError('ECONNREFUSED')), 'connection_refused'],
    [fetchFailed(sysError('ETIMEDOUT')), 'timeout'],
    [fetchFailed(sysError('UND_ERR_CONNECT_TIMEOUT')), 'timeout'],
    [fetchFailed(sysError('ENOTFOUND', { hostname: 'x.invalid' })), 'dns_lookup_failed'],
    [fetchFailed(sysError('EAI_AGAIN')), 'dns_lookup_failed'],
    [fetchFailed(sysError('CERT_HAS_EXPIRED')), 'tls_failed'],
    [fetchFailed(sysError('ERR_TLS_CERT_ALTNAME_INVALID')), 'tls_failed'],
    [fetchFailed(sysError('DEPTH_ZERO_SELF_SIGNED_CERT')), 'tls_failed'],
    [fetchFailed(sysError('ECONNRESET')), 'connection_reset'],
    [fetchFailed(new Error('bad port')), 'blocked_port'],
    // Several addresses (localhost: ::1 and 127.0.0.1): one error each, in an AggregateError.
    [fetchFailed(new AggregateError([sysError('ECONNREFUSED'), sysError('ECONNREFUSED')])), 'connection_refused'],
    [new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'timeout'],
  ]
  for (const [err, code] of cases) assert.equal(classifyNetworkFailure(err)?.code, code, String((err as Error).cause ?? err))
  assert.equal(classifyNetworkFailure(new SyntaxError('Unexpected token')), undefined)
  assert.equal(classifyNetworkFailure('a string'), undefined)
  assert.match(classifyNetworkFailure(fetchFailed(sysError('ENOTFOUND', { hostname: 'x.invalid' })))!.reason, /DNS lookup for x\.invalid failed/)
})

test('real failures: fetch and httpFetch to a refused port, a DNS name that cannot exist', async () => {
  const port = await refusedPort()
  const viaFetch = await fetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e)
  assert.equal(classifyNetworkFailure(viaFetch)?.code, 'connection_refused')
  const viaHttp = await httpFetch(`http://127.0.0.1:${port}/`).catch((e: unknown) => e)
  assert.equal(classifyNetworkFailure(viaHttp)?.code, 'connection_refused')
  const dns = await httpFetch('http://no-such-host.invalid/').catch((e: unknown) => e)
  assert.equal(classifyNetworkFailure(dns)?.code, 'dns_lookup_failed')
})

test('a NetworkError names the service and the URL without credentials, and says what to do', () => {
  const err = networkErrorOf(fetchFailed(sysError('ECONNREFUSED')), { url: 'http://u:secret@127.0.0.1:9/x', service: 'ledger node', hint: 'Start one with `haca dev`.' })
  assert.ok(err instanceof NetworkError)
  assert.equal(err.code, 'connection_refused')
  assert.equal(err.shortMessage, 'cannot reach ledger node at http://127.0.0.1:9/x: connection refused')
  assert.equal(err.hint, 'nothing is listening there. Start one with `haca dev`.')
  assert.deepEqual(err.toJSON(), { name: 'NetworkError', code: 'connection_refused', message: err.shortMessage, hint: err.hint })
  const timeout = networkErrorOf(new DOMException('x', 'TimeoutError'), { url: 'http://h:1', timeoutMs: 250 })!
  assert.equal(timeout.shortMessage, 'cannot reach http://h:1/: no answer within 250 ms')
  assert.equal(networkErrorOf(new Error('a bug'), { url: 'http://h:1' }), undefined)
})

test('an error status carries the message from the body, whatever its shape', () => {
  assert.equal(messageOfErrorBody('{"error":{"message":"database is down"}}'), 'database is down')
  assert.equal(messageOfErrorBody('{"error":"quota exceeded"}'), 'quota exceeded')
  assert.equal(messageOfErrorBody('{"message":"no route"}'), 'no route')
  assert.equal(messageOfErrorBody('{"jsonrpc":"2.0","error":{"code":-32603,"message":"Internal error","data":"height 9 is not available"}}'), 'height 9 is not available')
  assert.equal(messageOfErrorBody('  <html>\n<b>Bad Gateway</b>  </html>'), '<html> <b>Bad Gateway</b> </html>')
  assert.equal(messageOfErrorBody('x'.repeat(400)).length, 301)
  const err = new HttpStatusError({ url: 'https://k:v@host/rpc', service: 'ledger node', status: 502, statusText: 'Bad Gateway', body: '{"error":"upstream gone"}' })
  assert.equal(err.shortMessage, 'ledger node at https://host/rpc answered HTTP 502 Bad Gateway: upstream gone')
  assert.equal(err.code, 'http_status')
  assert.match(err.hint!, /failed on its side/)
})
