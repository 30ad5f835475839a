/**
 * The embedded engine's RPC: the subset of CometBFT's JSON-RPC that haca's clients use, with
 * CometBFT's JSON shapes (so @cosmjs/tendermint-rpc's Comet38Client and curl scripts work
 * unchanged against `haca dev`). JSON-RPC over POST / (single or batch), and GET /<method>?...
 * or POST /<method> with the same parameters as a form.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { sha256 } from '../../core/hash.ts'
import type { EmbeddedEngine } from './engine.ts'
import type { StoredBlock } from './block-store.ts'

type RpcParams = Record<string, unknown>

class RpcFailure extends Error {
  constructor(
    readonly rpcCode: number,
    readonly data: string,
  ) {
    super(data)
  }
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64')
const hexU = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase()
const EMPTY_HASH = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855'

function str(p: RpcParams, k: string): string | undefined {
  const v = p[k]
  if (v === undefined || v === null || v === '') return undefined
  // GET parameters are quoted strings in CometBFT's URI form: path="/x".
  return String(v).replace(/^"(.*)"$/, '$1')
}

/** An integer parameter (CometBFT's int64 heights): absent is 0, anything but an integer is refused, not read as 0. */
function intParam(p: RpcParams, k: string): bigint {
  const v = str(p, k)
  if (v === undefined) return 0n
  if (!/^-?[0-9]{1,19}$/.test(v)) throw new RpcFailure(-32602, `${k} "${v}" is not an integer`)
  return BigInt(v)
}

function bytesParam(p: RpcParams, k: string, encoding: 'base64' | 'hex'): Uint8Array {
  const v = str(p, k)
  if (v === undefined) return new Uint8Array()
  if (v.startsWith('0x')) return new Uint8Array(Buffer.from(v.slice(2), 'hex'))
  return new Uint8Array(Buffer.from(v, encoding))
}

export function buildRpcServer(engine: EmbeddedEngine, genesisDoc: unknown): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 })

  const blockId = (b: StoredBlock) => ({ hash: b.hash, parts: { total: 1, hash: b.hash } })
  const header = (b: StoredBlock) => ({
    version: { block: '11', app: '1' },
    chain_id: engine.chainId,
    height: String(b.height),
    time: b.time,
    last_block_id: { hash: b.lastBlockHash, parts: { total: b.lastBlockHash ? 1 : 0, hash: b.lastBlockHash } },
    last_commit_hash: EMPTY_HASH,
    data_hash: b.dataHash,
    validators_hash: EMPTY_HASH,
    next_validators_hash: EMPTY_HASH,
    consensus_hash: EMPTY_HASH,
    app_hash: b.appHash,
    last_results_hash: EMPTY_HASH,
    evidence_hash: EMPTY_HASH,
    proposer_address: b.proposer,
  })
  const commitOf = (b: StoredBlock) => ({ height: String(b.height), round: 0, block_id: blockId(b), signatures: [] })
  const txResult = (r: NonNullable<StoredBlock['results']>['txResults'][number]) => ({ code: r.code, data: null, log: r.log, info: '', gas_wanted: '0', gas_used: '0', events: r.events, codespace: r.codespace })

  /** The newest block with results: a block is stored before it runs, and is not "latest" until it committed. */
  async function latestCommitted(): Promise<StoredBlock | undefined> {
    const top = await engine.blocks.get(engine.blocks.height)
    return top && !top.results ? engine.blocks.get(top.height - 1) : top
  }

  async function getBlock(p: RpcParams): Promise<StoredBlock> {
    const h = str(p, 'height')
    const height = h === undefined ? ((await latestCommitted())?.height ?? 0) : Number(intParam(p, 'height'))
    const b = Number.isInteger(height) && height > 0 ? await engine.blocks.get(height) : undefined
    if (!b || !b.results) throw new RpcFailure(-32603, `height ${h ?? height} must be less than or equal to the current blockchain height ${engine.blocks.height}`)
    return b
  }

  const methods: Record<string, (p: RpcParams) => Promise<unknown>> = {
    health: async () => ({}),
    status: async () => {
      const top = await latestCommitted()
      const first = await engine.blocks.get(1)
      return {
        node_info: {
          protocol_version: { p2p: '8', block: '11', app: '1' },
          id: engine.proposer.toLowerCase(),
          listen_addr: 'embedded',
          network: engine.chainId,
          version: 'haca-embedded',
          channels: '',
          moniker: 'haca-dev',
          other: { tx_index: 'on', rpc_address: 'embedded' },
        },
        sync_info: {
          latest_block_hash: top?.hash ?? '',
          latest_app_hash: top?.results?.appHash ?? '',
          latest_block_height: String(top?.height ?? 0),
          latest_block_time: top?.time ?? '1970-01-01T00:00:00Z',
          earliest_block_hash: first?.hash ?? '',
          earliest_app_hash: first?.appHash ?? '',
          earliest_block_height: String(first?.height ?? 0),
          earliest_block_time: first?.time ?? '1970-01-01T00:00:00Z',
          catching_up: false,
        },
        validator_info: { address: engine.proposer, pub_key: { type: 'tendermint/PubKeyEd25519', value: b64(new Uint8Array(32)) }, voting_power: '10' },
      }
    },
    abci_info: async () => {
      const i = await engine.app.info({})
      return { response: { data: i.data, version: i.version, app_version: String(i.appVersion), last_block_height: String(i.lastBlockHeight), last_block_app_hash: b64(i.lastBlockAppHash) } }
    },
    abci_query: async (p) => {
      const prove = str(p, 'prove') === 'true' || p.prove === true
      // The app answers for the height or refuses it (a code and a log), as behind CometBFT.
      const r = await engine.app.query({ path: str(p, 'path') ?? '', data: bytesParam(p, 'data', 'hex'), prove, height: intParam(p, 'height') })
      return {
        response: {
          code: r.code,
          log: r.log,
          info: r.info,
          index: String(r.index),
          key: r.key.length ? b64(r.key) : null,
          value: r.value.length ? b64(r.value) : null,
          proofOps: r.proofOps ? { ops: r.proofOps.ops.map((o) => ({ type: o.type, key: b64(o.key), data: b64(o.data) })) } : null,
          height: String(r.height),
          codespace: r.codespace,
        },
      }
    },
    broadcast_tx_async: async (p) => methods.broadcast_tx_sync(p),
    broadcast_tx_sync: async (p) => {
      const tx = bytesParam(p, 'tx', 'base64')
      const r = await engine.submit(tx)
      return { code: r.code, data: '', log: r.log, codespace: r.codespace, hash: hexU(sha256(tx)) }
    },
    broadcast_tx_commit: async (p) => {
      const tx = bytesParam(p, 'tx', 'base64')
      const hash = hexU(sha256(tx))
      const check = await engine.submit(tx)
      const checkJson = { code: check.code, data: null, log: check.log, info: '', gas_wanted: '0', gas_used: '0', events: [], codespace: check.codespace }
      if (check.code !== 0) return { check_tx: checkJson, tx_result: txResult({ code: 0, codespace: '', log: '', events: [] }), hash, height: '0' }
      for (let tries = 0; tries < 100; tries++) {
        const found = await engine.blocks.findTx(hash)
        if (found) {
          const b = (await engine.blocks.get(found.height))!
          return { check_tx: checkJson, tx_result: txResult(b.results!.txResults[found.index]), hash, height: String(found.height) }
        }
        await engine.waitForBlock(engine.blocks.height + 1, 2000)
      }
      throw new RpcFailure(-32603, 'timed out waiting for tx to be included in a block')
    },
    tx: async (p) => {
      const hash = bytesParam(p, 'hash', 'base64')
      const found = await engine.blocks.findTx(hexU(hash))
      const b = found ? await engine.blocks.get(found.height) : undefined
      if (!found || !b?.results) throw new RpcFailure(-32603, `tx (${hexU(hash)}) not found`)
      return { hash: hexU(hash), height: String(found.height), index: found.index, tx_result: txResult(b.results.txResults[found.index]), tx: b.txs[found.index] }
    },
    block: async (p) => {
      const b = await getBlock(p)
      const prev = b.height > 1 ? await engine.blocks.get(b.height - 1) : undefined
      return {
        block_id: blockId(b),
        block: { header: header(b), data: { txs: b.txs }, evidence: { evidence: [] }, last_commit: prev ? commitOf(prev) : { height: '0', round: 0, block_id: { hash: '', parts: { total: 0, hash: '' } }, signatures: [] } },
      }
    },
    block_results: async (p) => {
      const b = await getBlock(p)
      return { height: String(b.height), txs_results: b.results!.txResults.map(txResult), finalize_block_events: null, validator_updates: null, consensus_param_updates: null, app_hash: b64(Buffer.from(b.results!.appHash, 'hex')) }
    },
    commit: async (p) => {
      const b = await getBlock(p)
      return { signed_header: { header: header(b), commit: commitOf(b) }, canonical: true }
    },
    validators: async () => ({
      block_height: String(engine.blocks.height),
      validators: [{ address: engine.proposer, pub_key: { type: 'tendermint/PubKeyEd25519', value: b64(new Uint8Array(32)) }, voting_power: '10', proposer_priority: '0' }],
      count: '1',
      total: '1',
    }),
    genesis: async () => ({ genesis: genesisDoc }),
    num_unconfirmed_txs: async () => ({ n_txs: String(engine.mempoolSize), total: String(engine.mempoolSize), total_bytes: '0', txs: null }),
  }

  async function call(method: string, params: RpcParams, id: unknown) {
    const fn = Object.hasOwn(methods, method) ? methods[method] : undefined
    if (!fn) return { jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found', data: `method ${method} is not served by the embedded engine` } }
    try {
      return { jsonrpc: '2.0', id, result: await fn(params ?? {}) }
    } catch (err) {
      const e = err instanceof RpcFailure ? err : new RpcFailure(-32603, (err as Error).message)
      return { jsonrpc: '2.0', id, error: { code: e.rpcCode, message: e.rpcCode === -32602 ? 'Invalid params' : 'Internal error', data: e.data } }
    }
  }

  app.post('/', async (req) => {
    const body = req.body as any
    if (Array.isArray(body)) {
      // In order, as CometBFT does: a sender's nonces in one batch must reach CheckTx in sequence.
      const out = []
      for (const r of body) out.push(await call(r?.method, r?.params, r?.id))
      return out
    }
    return call(body?.method, body?.params, body?.id ?? -1)
  })
  app.get('/:method', async (req) => call((req.params as { method: string }).method, req.query as RpcParams, -1))
  // CometBFT's URI routes also take their parameters as a POSTed form (LedgerRpc broadcasts so).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))))
  app.post('/:method', async (req) => call((req.params as { method: string }).method, (req.body ?? {}) as RpcParams, -1))
  return app
}

