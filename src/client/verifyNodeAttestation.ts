/**
 * `verifyNodeAttestation(client, { node })`: asks a node for a fresh attestation over a random
 * nonce (`GET /v1/attestation?nonce=`) and verifies it as the ledger would, with the chain's
 * trusted roots and allowed measurements (`/registry/params`), against the keys the node
 * registered: the document must bind its registered signing key (and HPKE key). The node must
 * be registered and active.
 */
import { randomBytes } from 'node:crypto'
import { toHex, fromHex } from '../core/bytes.ts'
import { AttestationError } from '../attestation/errors.ts'
import type { VerifiedAttestation } from '../attestation/checkAttestationPolicy.ts'
import type { TcbStatus } from '../attestation/verifyDcapQuote.ts'
import { verifyAttestation } from '../attestation/verifyAttestation.ts'
import type { NodeView } from '../ledger/registry/node.ts'
import { NodeAttestationError } from './errors.ts'
import type { NodeInfo } from './nodeDirectory.ts'
import { RegistryNodeDirectory } from './registryNodeDirectory.ts'
import type { HacaClientContext } from './clientContext.ts'

export type VerifyNodeAttestationParameters = { node: Pick<NodeInfo, 'url'> & Partial<NodeInfo>; timeoutMs?: number }

export type VerifyNodeAttestationReturnType = { attestation: VerifiedAttestation; registered: NodeView }

export type VerifyNodeAttestationErrorType = NodeAttestationError

/**
 * @example
 * const [node] = await client.directory.listNodes()
 * const { attestation } = await verifyNodeAttestation(client, { node })
 */
export async function verifyNodeAttestation(client: HacaClientContext, { node, timeoutMs = 10_000 }: VerifyNodeAttestationParameters): Promise<VerifyNodeAttestationReturnType> {
  const directory = client.directory
  const url = node.url.replace(/\/$/, '')
  if (!(directory instanceof RegistryNodeDirectory)) {
    throw new NodeAttestationError({ node: url, check: 'no_registry', reason: 'this client has no ledger registry to check against: create it with { rpc }' })
  }
  const nonce = randomBytes(32)
  let body: { kind?: string; document?: string; signingKey?: string }
  try {
    const res = await fetch(`${url}/v1/attestation?nonce=${toHex(nonce)}`, { signal: AbortSignal.timeout(timeoutMs) })
    if (!res.ok) throw new Error(`GET /v1/attestation answered ${res.status}`)
    body = (await res.json()) as typeof body
  } catch (cause) {
    throw new NodeAttestationError({ node: url, check: 'fetch', reason: cause instanceof Error ? cause.message : String(cause), cause })
  }
  const signingKey = node.signingKey ?? body.signingKey
  if (!signingKey) throw new NodeAttestationError({ node: url, check: 'not_registered', reason: 'the node named no signing key' })
  const registered = await directory.nodeByKey(signingKey)
  if (!registered) throw new NodeAttestationError({ node: url, check: 'not_registered', reason: `signing key ${signingKey} is not registered on the ledger` })
  if (!registered.active) throw new NodeAttestationError({ node: url, check: 'not_active', reason: `registered node ${registered.address} is ${registered.status}` })
  if (body.kind !== 'nitro' || typeof body.document !== 'string') throw new NodeAttestationError({ node: url, check: 'malformed_document', reason: 'the answer carries no Nitro-format document' })
  const params = await directory.params()
  const allowed = params.measurements[registered.type]
  try {
    const attestation = verifyAttestation({ kind: 'nitro', document: new Uint8Array(Buffer.from(body.document, 'base64')) }, {
      now: Date.now(),
      trustedRootFingerprints: params.trustedRoots,
      policy: { nitro: allowed.nitro, tdx: allowed.tdx, minimumTcbStatus: params.minimumTcbStatus as TcbStatus, maxAgeMs: Number(params.maxAttestationAgeMs) },
      signingKey: fromHex(registered.signingKey),
      hpkePublicKey: registered.hpkePublicKey ? fromHex(registered.hpkePublicKey) : undefined,
      expectedNonce: nonce,
    })
    return { attestation, registered }
  } catch (err) {
    if (err instanceof AttestationError) throw new NodeAttestationError({ node: url, check: err.code, reason: err.shortMessage, cause: err })
    throw err
  }
}
