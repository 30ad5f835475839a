/**
 * An inference node registering itself on the ledger's node registry: on start it looks its
 * signing key up (`/registry/by_key`); if it is not registered, it attests over the latest block
 * hash (`/registry/head`) and sends `register` with its keys, endpoint, capabilities and stake;
 * if it is, it skips registering. Then it re-attests on a schedule, before the registry's age
 * limit (default every half of it). Failures are logged and retried; the node keeps serving.
 * Logs carry addresses, heights and reasons, never keys.
 */
import { fromHex, toHex } from '../../../core/bytes.ts'
import { BaseError } from '../../../core/errors.ts'
import type { KeyFile } from '../../../core/keyfile.ts'
import { type Address, addressOf, parseAddress, publicKeyOf } from '../../../core/keys.ts'
import { LedgerRpc } from '../../../client/ledger/ledgerRpc.ts'
import { sendTx } from '../../../client/ledger/sendTx.ts'
import type { Capabilities, NodeView } from '../../../ledger/registry/node.ts'
import { buildReattestTx, buildRegisterTx, signKeyProof } from '../../../ledger/registry/tx.ts'
import type { AttestationSource } from '../tee/attestationSource.ts'

/** What the node tells the log; pino's `log.info(obj, msg)` shape. */
export type RegistrationLogger = { info(obj: object, msg: string): void; warn(obj: object, msg: string): void }

export type StartSelfRegistrationParameters = {
  rpc: string
  /** The node's receipt-signing key (it signs the key proof; never logged). */
  signingPrivateKey: Uint8Array
  /** The account that registers, pays fees and stake; default the signing key's. */
  operator?: KeyFile
  attestation: AttestationSource
  endpoint: string
  payout?: Address
  capabilities: Capabilities
  stake: bigint
  reattestEveryMs?: number
  /** Delay before the first retry of a failed step (doubling: up to 15 s while not yet registered, 5 minutes for re-attestation); default 2 s. */
  retryMs?: number
  log: RegistrationLogger
}

export type SelfRegistration = {
  /** Resolves once the node is registered (or was already), or rejects when it cannot be (e.g. the key is unbonding). */
  readonly registered: Promise<NodeView>
  /** Re-attests now (the schedule does this on its own). */
  reattest(): Promise<void>
  stop(): void
}

export class SelfRegistrationError extends BaseError {
  override name = 'SelfRegistrationError' as const
  constructor(reason: string, cause?: unknown) {
    super(`node registration: ${reason}`, { code: 'self_registration', cause })
  }
}

type Head = { height: number; timeMs: string; hash: string }
type RegistryParamsJson = { maxAttestationAgeMs: string; recentBlockHashes: number }

const MAX_RETRY_MS = 300_000
const FIRST_REGISTRATION_MAX_RETRY_MS = 15_000

const errorText = (err: unknown) => (err instanceof BaseError ? err.shortMessage : err instanceof Error ? err.message : String(err)).split('\n')[0]

/**
 * Registers (or finds) the node and keeps its attestation fresh.
 *
 * @example
 * const reg = startSelfRegistration({ rpc, signingPrivateKey, attestation, endpoint: url, capabilities, stake: 1000n, log: app.log })
 * await reg.registered
 */
export function startSelfRegistration(p: StartSelfRegistrationParameters): SelfRegistration {
  const operator: KeyFile = p.operator ?? { address: addressOf(p.signingPrivateKey), privateKey: p.signingPrivateKey }
  const signingKey = publicKeyOf(p.signingPrivateKey)
  const signingKeyHex = toHex(signingKey)
  const retryMs = p.retryMs ?? 2000
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let rpc: LedgerRpc | undefined
  let everyMs = p.reattestEveryMs

  const connect = async () => (rpc ??= await LedgerRpc.connect(p.rpc))
  const sleep = (ms: number) => new Promise<void>((resolve) => { timer = setTimeout(resolve, ms).unref() })

  async function attestOverHead(r: LedgerRpc): Promise<{ document: Uint8Array; head: Head }> {
    const head = await r.queryJson<Head | null>('/registry/head')
    if (!head) throw new SelfRegistrationError('the ledger has no registry head yet')
    return { document: await p.attestation.attest(fromHex(head.hash)), head }
  }

  async function register(r: LedgerRpc): Promise<NodeView> {
    const params = await r.queryJson<RegistryParamsJson>('/registry/params')
    if (params.recentBlockHashes === 0) throw new SelfRegistrationError('this ledger has no node registry (no registry section in its genesis)')
    everyMs ??= Math.max(1000, Math.floor(Number(params.maxAttestationAgeMs) / 2))
    const existing = await r.queryJson<NodeView | null>(`/registry/by_key/${signingKeyHex}`)
    if (existing) {
      if (existing.address !== operator.address) throw new SelfRegistrationError(`the signing key is registered by another account (${existing.address})`)
      if (existing.status === 'unbonding') throw new SelfRegistrationError('the node is deregistered (unbonding); withdraw its stake before registering again')
      if (existing.status !== 'active') {
        p.log.info({ address: existing.address, status: existing.status }, 'registered but not active: re-attesting')
        await reattestWith(r)
        return r.queryJson<NodeView>(`/registry/node/${operator.address}`)
      }
      p.log.info({ address: existing.address, expiresAtMs: existing.expiresAtMs }, 'already registered with this key')
      return existing
    }
    const { document, head } = await attestOverHead(r)
    const { result } = await sendTx(r, {
      key: operator,
      build: ({ chainId, nonce, fee }) => buildRegisterTx({
        chainId,
        nonce,
        fee,
        msg: {
          nodeType: 'inference',
          evidence: { kind: p.attestation.kind, document },
          signingKey,
          hpkePublicKey: p.attestation.hpkePublicKey,
          endpoint: p.endpoint,
          payout: p.payout ?? operator.address,
          capabilities: p.capabilities,
          stake: p.stake,
          nonceHeight: head.height,
          keyProof: signKeyProof(operator.address, p.signingPrivateKey),
        },
      }, operator.privateKey).bytes,
    })
    const view = await r.queryJson<NodeView>(`/registry/node/${operator.address}`)
    p.log.info({ address: operator.address, height: result?.height, endpoint: p.endpoint, stake: p.stake.toString(), status: view.status }, 'registered on the ledger')
    return view
  }

  async function reattestWith(r: LedgerRpc): Promise<void> {
    const { document, head } = await attestOverHead(r)
    const { result } = await sendTx(r, {
      key: operator,
      build: ({ chainId, nonce, fee }) => buildReattestTx({ chainId, nonce, fee, msg: { evidence: { kind: p.attestation.kind, document }, nonceHeight: head.height } }, operator.privateKey).bytes,
    })
    p.log.info({ address: operator.address, height: result?.height, nonceHeight: head.height }, 're-attested')
  }

  const registered = (async () => {
    // An unregistered node earns nothing: keep trying often (a ledger still starting, a busy mempool).
    for (let delay = retryMs; ; delay = Math.min(delay * 2, FIRST_REGISTRATION_MAX_RETRY_MS)) {
      if (stopped) throw new SelfRegistrationError('stopped before the node was registered')
      try {
        return await register(await connect())
      } catch (err) {
        // A refusal that retrying cannot fix ends the attempt; a ledger that is not up yet (or a refused tx) is retried, less and less often.
        if (err instanceof SelfRegistrationError) throw err
        p.log.warn({ address: operator.address, reason: errorText(err), retryInMs: delay }, 'registration failed; retrying')
        await sleep(delay)
      }
    }
  })()

  const loop = async () => {
    try {
      await registered
    } catch (err) {
      if (!stopped) p.log.warn({ address: operator.address, reason: errorText(err) }, 'the node is not registered')
      return
    }
    const period = everyMs!
    let wait = period
    while (!stopped) {
      await sleep(wait)
      if (stopped) return
      try {
        await reattestWith(await connect())
        wait = period
      } catch (err) {
        // Retried well before the attestation lapses (the period is half the age limit by default).
        wait = Math.min(wait === period ? retryMs : wait * 2, period, MAX_RETRY_MS)
        p.log.warn({ address: operator.address, reason: errorText(err), retryInMs: wait }, 're-attestation failed; retrying')
      }
    }
  }
  void loop()
  // A caller that never awaits `registered` must not see an unhandled rejection.
  registered.catch(() => {})

  return {
    registered,
    async reattest() {
      await reattestWith(await connect())
    },
    stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      rpc?.disconnect()
    },
  }
}

/** The register message's capabilities from what a node serves: ONNX models, provider models, its mode and prices. */
export function capabilitiesOf({ onnxModels, chatModels, runtimes, mode }: { onnxModels: Array<{ id: string; price: bigint }>; chatModels: Array<{ id: string; price: bigint }>; runtimes: string[]; mode: string }): Capabilities {
  const all = [...onnxModels, ...chatModels].slice(0, 64)
  return { runtimes: [...new Set(runtimes)].slice(0, 64), models: [...new Set(all.map((m) => m.id))], modes: [mode], prices: dedupe(all.map((m) => ({ item: m.id, amount: m.price }))) }
}

function dedupe(prices: Array<{ item: string; amount: bigint }>): Array<{ item: string; amount: bigint }> {
  const seen = new Set<string>()
  return prices.filter((p) => (seen.has(p.item) ? false : (seen.add(p.item), true)))
}

/** Parses a payout address from config. */
export function payoutOf(value: string | undefined): Address | undefined {
  return value === undefined ? undefined : parseAddress(value)
}
