/**
 * The keep-alive agents every outbound call shares (providers, nodes, the ledger RPC): one pool
 * of warm sockets per protocol, so a call costs no TCP (or TLS) handshake after the first.
 */
import http from 'node:http'
import https from 'node:https'

export const keepAliveAgents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256 }),
} as const

/** The agent and request function for a URL's protocol, or null for anything but http/https. */
export function transportFor(protocol: string): { agent: http.Agent; request: typeof http.request } | null {
  if (protocol === 'http:') return { agent: keepAliveAgents['http:'], request: http.request }
  if (protocol === 'https:') return { agent: keepAliveAgents['https:'], request: https.request }
  return null
}
