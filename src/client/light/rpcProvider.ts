/**
 * A light-block provider over a CometBFT RPC (light/provider/http in CometBFT): the signed
 * header from /commit and the validator set from /validators, page by page. It only fetches
 * and decodes; nothing it returns is trusted until the verifier has checked it.
 */
import { redactUrl } from '../../core/errors.ts'
import { httpFetch } from '../../core/http/httpFetch.ts'
import { requestTimeoutMs } from '../../core/http/requestTimeout.ts'
import { ErrBadLightBlock } from './errors.ts'
import { parseSignedHeader, parseValidator } from './rpcJson.ts'
import type { LightBlock, SignedHeader, ValidatorSet } from './types.ts'

/** What a light client asks of a source of light blocks; tests swap in one that lies. */
export interface LightBlockProvider {
  chainId(): Promise<string>
  /** The light block at `height`, or the latest when no height is given. */
  lightBlock(height?: bigint): Promise<LightBlock>
}

// CometBFT's /validators gives at most 100 a page.
const PER_PAGE = 100
const MAX_PAGES = 100

export class RpcLightBlockProvider implements LightBlockProvider {
  private readonly base: string

  constructor(
    readonly url: string,
    private readonly timeoutMs = requestTimeoutMs(),
  ) {
    this.base = url.replace(/\/+$/, '')
  }

  private async get(path: string): Promise<unknown> {
    let body: { result?: unknown; error?: { message?: string; data?: string } }
    try {
      const res = await httpFetch(`${this.base}${path}`, { signal: AbortSignal.timeout(this.timeoutMs) })
      body = (await res.json()) as typeof body
    } catch (err) {
      throw new ErrBadLightBlock({ url: redactUrl(this.url), reason: `GET ${path} failed: ${err instanceof Error ? err.message : String(err)}`, cause: err })
    }
    if (body.error || body.result === undefined) throw new ErrBadLightBlock({ url: redactUrl(this.url), reason: `GET ${path}: ${body.error?.data || body.error?.message || 'no result'}` })
    return body.result
  }

  private decode<T>(what: string, parse: () => T): T {
    try {
      return parse()
    } catch (err) {
      throw new ErrBadLightBlock({ url: redactUrl(this.url), reason: `malformed ${what}: ${err instanceof Error ? err.message : String(err)}`, cause: err })
    }
  }

  async chainId(): Promise<string> {
    const status = (await this.get('/status')) as { node_info?: { network?: unknown } }
    const network = status.node_info?.network
    if (typeof network !== 'string') throw new ErrBadLightBlock({ url: redactUrl(this.url), reason: '/status has no node_info.network' })
    return network
  }

  async signedHeader(height?: bigint): Promise<SignedHeader> {
    const result = (await this.get(height === undefined ? '/commit' : `/commit?height=${height}`)) as { signed_header?: unknown; canonical?: boolean }
    const sh = this.decode('signed header', () => parseSignedHeader(result.signed_header))
    if (height !== undefined && sh.header.height !== height) throw new ErrBadLightBlock({ url: redactUrl(this.url), reason: `asked for height ${height}, got ${sh.header.height}` })
    return sh
  }

  async validatorSet(height: bigint): Promise<ValidatorSet> {
    const validators: ValidatorSet['validators'] = []
    for (let page = 1; page <= MAX_PAGES; page++) {
      const result = (await this.get(`/validators?height=${height}&per_page=${PER_PAGE}&page=${page}`)) as { validators?: unknown; total?: unknown }
      const total = Number(result.total)
      if (!Array.isArray(result.validators) || !Number.isSafeInteger(total)) throw new ErrBadLightBlock({ url: redactUrl(this.url), reason: `malformed /validators answer at height ${height}` })
      const list = result.validators
      validators.push(...this.decode('validator', () => list.map(parseValidator)))
      if (validators.length >= total || list.length === 0) break
    }
    return { validators }
  }

  async lightBlock(height?: bigint): Promise<LightBlock> {
    const signedHeader = await this.signedHeader(height)
    return { signedHeader, validatorSet: await this.validatorSet(signedHeader.header.height) }
  }
}
