/** The provider over real HTTP on 127.0.0.1, against a small stand-in for CometBFT's RPC. */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { ErrBadLightBlock } from './errors.ts'
import { RpcLightBlockProvider } from './rpcProvider.ts'

const validator = (i: number) => ({ address: String(i).padStart(2, '0').repeat(20), pub_key: { type: 'tendermint/PubKeyEd25519', value: Buffer.alloc(32, i).toString('base64') }, voting_power: String(10 - i), proposer_priority: '0' })
const ALL = [1, 2, 3, 4, 5].map(validator)
const pagesAsked: string[] = []
let server: http.Server
let url: string

before(async () => {
  server = http.createServer((req, res) => {
    const u = new URL(req.url!, 'http://x')
    let body: unknown
    if (u.pathname === '/validators') {
      pagesAsked.push(u.searchParams.get('page')!)
      // Two a page, as a node with a smaller page size would answer.
      const page = Number(u.searchParams.get('page'))
      body = { result: { block_height: u.searchParams.get('height'), validators: ALL.slice((page - 1) * 2, page * 2), count: '2', total: String(ALL.length) } }
    } else if (u.pathname === '/commit') {
      body = { jsonrpc: '2.0', id: -1, error: { code: -32603, message: 'Internal error', data: 'height 99 must be less than or equal to the current blockchain height 12' } }
    } else body = { result: { node_info: { network: 'stand-in' } } }
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(body))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

after(() => new Promise<void>((resolve) => server.close(() => resolve())))

test('the validator set is read page by page until the total is reached', async () => {
  const provider = new RpcLightBlockProvider(url)
  assert.equal(await provider.chainId(), 'stand-in')
  const set = await provider.validatorSet(7n)
  assert.deepEqual(set.validators.map((v) => v.votingPower), [9n, 8n, 7n, 6n, 5n])
  assert.deepEqual(pagesAsked, ['1', '2', '3'])
})

test('an RPC error or an unreachable RPC is an ErrBadLightBlock naming the request', async () => {
  await assert.rejects(new RpcLightBlockProvider(url).lightBlock(99n), (err: unknown) => err instanceof ErrBadLightBlock && /height 99 must be less/.test(err.message))
  await assert.rejects(new RpcLightBlockProvider('http://127.0.0.1:1', 2000).lightBlock(1n), (err: unknown) => err instanceof ErrBadLightBlock && /GET \/commit\?height=1 failed/.test(err.message))
})
