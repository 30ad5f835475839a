/**
 * `abci_query` at a height: above the latest it is refused with a code and a log (CometBFT's
 * convention), never answered from another height; 0 is the latest; an earlier height answers
 * that height's state. Through real RPC: the embedded engine and a CometBFT validator, and the
 * CLI as a child process.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { readKeyFile } from '../src/core/keyfile.ts'
import { addressOf, generatePrivateKey } from '../src/core/keys.ts'
import { LedgerRpc, QueryRefusedError } from '../src/client/ledger/ledgerRpc.ts'
import { waitForHeight } from '../src/client/ledger/wait.ts'
import { prepareDevnet, RunningDevnet } from '../src/network/devnet.ts'
import { startDev } from '../src/network/dev.ts'
import { buildTransferTx } from '../src/ledger/accounts/tx.ts'
import { tempHome } from './helpers/ledger.ts'

const run = promisify(execFile)

type Answer = { code: number; log: string; value: string | null; height: string; codespace: string }

async function abciQuery(rpc: string, path: string, height: string): Promise<{ response?: Answer; error?: { code: number; message: string; data: string } }> {
  const res = await fetch(`${rpc}/abci_query?path="${path}"&height=${height}`)
  const body = (await res.json()) as { result?: { response: Answer }; error?: { code: number; message: string; data: string } }
  return { response: body.result?.response, error: body.error }
}

/** The same checks against either engine: a transfer at a known height, then reads around it. */
async function checkHeights(rpcUrl: string, demoKey: Uint8Array): Promise<void> {
  const rpc = await LedgerRpc.connect(rpcUrl)
  try {
    const to = addressOf(generatePrivateKey())
    const chainId = await rpc.chainId()
    const nonce = BigInt((await rpc.queryJson<{ nonce: string }>(`/accounts/account/${addressOf(demoKey)}`)).nonce)
    const sent = await rpc.waitForTx(await rpc.broadcast(buildTransferTx({ chainId, nonce, fee: 10n, to, amount: 5n }, demoKey).bytes), 60_000)
    assert.equal(sent.code, 0, sent.log)
    await waitForHeight(rpcUrl, sent.height + 1, 30_000)
    const latest = await rpc.height()

    const above = latest + 1000
    const refused = await abciQuery(rpcUrl, `/accounts/account/${to}`, String(above))
    assert.ok(refused.response, JSON.stringify(refused))
    assert.notEqual(refused.response.code, 0)
    assert.equal(refused.response.codespace, 'query')
    // The chain may have moved on by a block between the two reads.
    assert.match(refused.response.log, new RegExp(`^height ${above} is not available: latest is \\d+$`))
    assert.ok(Number(/latest is (\d+)/.exec(refused.response.log)![1]) >= latest)
    assert.equal(refused.response.value, null)

    const err = await rpc.queryJson(`/accounts/account/${to}`, { height: above }).then(() => undefined, (e: unknown) => e)
    assert.ok(err instanceof QueryRefusedError, String(err))
    assert.equal(err.codespace, 'query')
    assert.notEqual(err.abciCode, 0)
    assert.match(err.message, new RegExp(`refused query /accounts/account/${to} at height ${above} \\(query/\\d+\\): height ${above} is not available: latest is \\d+`))

    // Before the transfer's block the recipient had nothing; at and after it, 5.
    assert.equal((await rpc.queryJson<{ balance: string }>(`/accounts/account/${to}`, { height: sent.height - 1 })).balance, '0')
    assert.equal((await rpc.queryJson<{ balance: string }>(`/accounts/account/${to}`, { height: sent.height })).balance, '5')
    const zero = await abciQuery(rpcUrl, `/accounts/account/${to}`, '0')
    assert.equal(zero.response?.code, 0)
    assert.ok(Number(zero.response?.height) >= latest)

    const negative = await abciQuery(rpcUrl, '/params', '-1')
    assert.notEqual(negative.response?.code ?? negative.error?.code, 0)
    if (negative.response) assert.match(negative.response.log, /^height -1 is not valid: heights are positive/)

    const word = await abciQuery(rpcUrl, '/params', 'abc')
    assert.equal(word.response, undefined, 'a non-numeric height is not read as 0')
    assert.equal(word.error?.code, -32602)
  } finally {
    rpc.disconnect()
  }
}

test('embedded engine: heights above the latest are refused, earlier ones answered as of then', async () => {
  const home = await tempHome('query-height-dev')
  const dev = await startDev({ home: home.dir, port: 0, storagePort: 0, storageShards: 10, blockTimeMs: 50, emptyBlockMs: 100 })
  try {
    const demo = await readKeyFile(dev.demoKeyFile)
    await checkHeights(dev.rpc, demo.privateKey)

    // The CLI prints the refusal, with its code and log, and exits non-zero.
    const cli = await run('node', ['bin/haca.js', 'query', 'account', demo.address, '--height', '999999', '--node', dev.rpc, '--json']).then(
      () => assert.fail('the CLI should have failed'),
      (e: { code: number; stderr: string }) => e,
    )
    assert.equal(cli.code, 1)
    const printed = JSON.parse(cli.stderr) as { error: { code: string; message: string } }
    assert.equal(printed.error.code, 'query_refused')
    assert.match(printed.error.message, /height 999999 is not available: latest is \d+/)
  } finally {
    await dev.close()
    await home.cleanup()
  }
})

test('CometBFT: the app refuses heights above the latest through CometBFT\'s RPC', async () => {
  const home = await tempHome('query-height-comet')
  const layout = await prepareDevnet({ home: home.dir, validators: 1, basePort: 23000, timeoutCommit: '300ms' })
  const net = new RunningDevnet(layout)
  try {
    await net.start()
    await checkHeights(layout.validators[0].rpc, (await readKeyFile(layout.demoKeyFile)).privateKey)
  } finally {
    await net.stop()
    await home.cleanup()
  }
})
