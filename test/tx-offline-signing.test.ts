/**
 * Offline signing, through the real CLI in child processes against a running embedded chain:
 * `haca tx … --generate-only` writes the unsigned JSON, `haca tx sign` signs it with no network
 * (its --node points at a refused port, which would fail any request), `haca tx broadcast`
 * sends it; the transaction is then on the chain and the balance moved. Edited files, a wrong
 * chain and a wrong key are refused, each with its own error.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { type AddressInfo, createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { readKeyFile, writeKeyFile } from '../src/core/keyfile.ts'
import { type Address, addressOf, generatePrivateKey } from '../src/core/keys.ts'
import { LedgerRpc } from '../src/client/ledger/ledgerRpc.ts'
import type { UnsignedTxJson } from '../src/client/ledger/unsignedTx.ts'
import { type RunningDev, startDev } from '../src/network/dev.ts'
import { tempHome } from './helpers/ledger.ts'

type Run = { code: number; stdout: string; stderr: string }

function haca(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile('node', ['bin/haca.js', ...args], { timeout: 60_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

async function ok(args: string[], env?: Record<string, string>): Promise<string> {
  const r = await haca(args, env)
  assert.equal(r.code, 0, `haca ${args.join(' ')}\n${r.stderr}`)
  return r.stdout
}

let home: Awaited<ReturnType<typeof tempHome>>
let dev: RunningDev
let rpc: LedgerRpc
let demoKeyFile: string
let demo: Address
/** A node URL where nothing listens: a command given it can only work if it asks no node. */
let offlineNode: string
/** For the signer: no socket, no DNS in the process at all. */
const NO_NETWORK = { NODE_OPTIONS: `--import ${resolve('test/helpers/no-network.mjs')}` }

before(async () => {
  home = await tempHome('tx-offline')
  dev = await startDev({ home: home.dir, port: 0, storagePort: 0, storageShards: 10, blockTimeMs: 50, emptyBlockMs: 200 })
  rpc = await LedgerRpc.connect(dev.rpc)
  demoKeyFile = dev.demoKeyFile
  demo = dev.demoAddress
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  offlineNode = `http://127.0.0.1:${(s.address() as AddressInfo).port}`
  await new Promise((r) => s.close(r))
})

after(async () => {
  rpc?.disconnect()
  await dev?.close()
  await home?.cleanup()
})

const balanceOf = async (address: string) => BigInt((await rpc.queryJson<{ balance: string }>(`/accounts/account/${address}`)).balance)

test('generate-only → sign with no network → broadcast: committed, balance moved', async () => {
  const to = addressOf(generatePrivateKey())
  const nonce = (await rpc.queryJson<{ nonce: string }>(`/accounts/account/${demo}`)).nonce
  const unsignedText = await ok(['tx', 'transfer', '--to', to, '--amount', '1234', '--generate-only', '--key', demoKeyFile, '--node', dev.rpc])
  const unsigned = JSON.parse(unsignedText) as UnsignedTxJson
  assert.equal(unsigned['haca-unsigned-tx'], 1)
  assert.equal(unsigned.chainId, dev.chainId)
  assert.equal(unsigned.from, demo)
  assert.equal(unsigned.nonce, nonce)
  assert.equal(unsigned.fee, '10')
  assert.equal(unsigned.msg, 'transfer')
  assert.deepEqual(unsigned.body, { to, amount: '1234' })
  assert.match(unsigned.bodyHex, /^0x[0-9a-f]+$/)
  assert.equal(await balanceOf(to), 0n, 'generate-only sends nothing')

  const file = join(home.dir, 'unsigned.json')
  await writeFile(file, unsignedText)
  // The preload does refuse the network: a command that needs it fails.
  const blocked = await haca(['query', 'block', '--node', dev.rpc], NO_NETWORK)
  assert.equal(blocked.code, 1)
  assert.match(blocked.stderr, /network disabled in this process/)
  const signedHex = (await ok(['tx', 'sign', file, '--key', demoKeyFile], { ...NO_NETWORK, HACA_NODE: offlineNode })).trim()
  assert.match(signedHex, /^0x[0-9a-f]+$/)
  const signedJson = JSON.parse(await ok(['tx', 'sign', file, '--key', demoKeyFile, '--chain-id', dev.chainId, '--json'], { ...NO_NETWORK, HACA_NODE: offlineNode })) as { tx: string; hash: string }
  assert.equal(signedJson.tx, signedHex, 'signing is deterministic')

  const sent = JSON.parse(await ok(['tx', 'broadcast', signedHex, '--node', dev.rpc, '--wait', '--json'])) as { hash: string; checkTx: { code: number }; height: number }
  assert.equal(sent.hash, signedJson.hash)
  assert.equal(sent.checkTx.code, 0)
  const committed = await rpc.getTx(sent.hash)
  assert.equal(committed?.code, 0)
  assert.equal(committed?.height, sent.height)
  assert.equal(await balanceOf(to), 1234n)

  // The same signed transaction again: CheckTx refuses it (nonce used); the error has the code and log.
  const again = await haca(['tx', 'broadcast', signedHex, '--node', dev.rpc, '--json'])
  assert.equal(again.code, 1)
  const { error } = JSON.parse(again.stderr) as { error: { code: string; message: string } }
  assert.equal(error.code, 'tx_rejected')
  assert.match(error.message, /^transaction rejected \([a-z]+\/\d+\): .*nonce/)
})

test('fully offline: --from, --nonce, --chain-id and --fee given, generate-only asks no node; a file of sign --json output broadcasts', async () => {
  const to = addressOf(generatePrivateKey())
  const nonce = (await rpc.queryJson<{ nonce: string }>(`/accounts/account/${demo}`)).nonce
  const unsignedText = await ok(['tx', 'transfer', '--to', to, '--amount', '77', '--generate-only', '--from', demo, '--nonce', nonce, '--chain-id', dev.chainId, '--fee', '10', '--node', offlineNode, '--key', '/nonexistent/key.json'], NO_NETWORK)
  const file = join(home.dir, 'offline.json')
  await writeFile(file, unsignedText)
  const signedFile = join(home.dir, 'signed.json')
  await writeFile(signedFile, await ok(['tx', 'sign', file, '--key', demoKeyFile, '--json'], NO_NETWORK))
  const out = await ok(['tx', 'broadcast', signedFile, '--node', dev.rpc, '--wait'])
  assert.match(out, /^tx [0-9A-F]{64} accepted by CheckTx and committed at height \d+\n$/)
  assert.equal(await balanceOf(to), 77n)
})

test('every tx command has --generate-only: a channel open comes out unsigned with its readable body', async () => {
  const node = addressOf(generatePrivateKey())
  const unsigned = JSON.parse(await ok(['tx', 'channel', 'open', '--to', node, '--amount', '500', '--generate-only', '--key', demoKeyFile, '--node', dev.rpc])) as UnsignedTxJson
  assert.equal(unsigned.msg, 'open_channel')
  assert.deepEqual(unsigned.body, { node, amount: '500' })
  const close = JSON.parse(await ok(['tx', 'channel', 'close', '--channel', `0x${'ab'.repeat(32)}`, '--generate-only', '--from', demo, '--nonce', '3', '--chain-id', 'c', '--fee', '1', '--node', offlineNode])) as UnsignedTxJson
  assert.deepEqual(close.body, { channelId: `0x${'ab'.repeat(32)}` })
  assert.equal(close.nonce, '3')
})

test('tampered, wrong chain, wrong key: each refused with a clear error, before anything is signed', async () => {
  const to = addressOf(generatePrivateKey())
  const base = JSON.parse(await ok(['tx', 'transfer', '--to', to, '--amount', '100', '--generate-only', '--from', demo, '--nonce', '0', '--chain-id', dev.chainId, '--fee', '10', '--node', offlineNode])) as UnsignedTxJson
  const write = async (name: string, value: unknown) => {
    const f = join(home.dir, name)
    await writeFile(f, JSON.stringify(value))
    return f
  }
  const sign = async (file: string, extra: string[] = []) => {
    const r = await haca(['tx', 'sign', file, '--key', demoKeyFile, '--json', ...extra], { HACA_NODE: offlineNode })
    assert.equal(r.code, 1, r.stdout)
    assert.equal(r.stdout, '', 'nothing signed is printed')
    return (JSON.parse(r.stderr) as { error: { code: string; message: string; hint?: string } }).error
  }

  // The amount changed in the readable body; bodyHex (what would be signed) still says 100.
  const edited = await sign(await write('edited.json', { ...base, body: { ...base.body, amount: '100000' } }))
  assert.equal(edited.code, 'unsigned_tx_body_mismatch')
  assert.match(edited.message, /"body" does not match "bodyHex": the hex says .*"amount":"100".*, the body says .*"amount":"100000"/)
  assert.match(edited.hint ?? '', /generate it again/)

  const otherKey = join(home.dir, 'other-key.json')
  const other = await writeKeyFile(otherKey, generatePrivateKey())
  const r = await haca(['tx', 'sign', await write('ok.json', base), '--key', otherKey, '--json'])
  assert.equal(r.code, 1)
  const wrongKey = (JSON.parse(r.stderr) as { error: { code: string; message: string } }).error
  assert.equal(wrongKey.code, 'unsigned_tx_wrong_key')
  assert.equal(wrongKey.message, `unsigned transaction refused: it is from ${demo}, and this key is ${other.address}`)

  const wrongChain = await sign(await write('chain.json', base), ['--chain-id', 'some-other-chain'])
  assert.equal(wrongChain.code, 'unsigned_tx_wrong_chain')
  assert.match(wrongChain.message, new RegExp(`it is for chain "${dev.chainId}", not "some-other-chain"`))

  const notATx = await sign(await write('random.json', { hello: 'world' }))
  assert.match(notATx.message, /no "haca-unsigned-tx" field/)
  const badHex = await sign(await write('hex.json', { ...base, bodyHex: '0xzz' }))
  assert.match(badHex.message, /"bodyHex" is not a canonical RLP list/)

  // Signed for another chain without the signer's check: the chain's CheckTx refuses it, with its code and log.
  const forOther = await write('other-chain.json', { ...base, chainId: 'some-other-chain' })
  const signedForOther = (await ok(['tx', 'sign', forOther, '--key', demoKeyFile], { HACA_NODE: offlineNode })).trim()
  const refused = await haca(['tx', 'broadcast', signedForOther, '--node', dev.rpc])
  assert.equal(refused.code, 1)
  assert.match(refused.stderr, /^error: transaction rejected \([a-z]+\/\d+\): .*"some-other-chain"/)

  const unsignedToBroadcast = await haca(['tx', 'broadcast', await write('unsigned-again.json', base), '--node', dev.rpc])
  assert.equal(unsignedToBroadcast.code, 1)
  assert.match(unsignedToBroadcast.stderr, /^error: not a signed transaction: it is unsigned\nhint: sign it first/)
})

test('--generate-only with no --from and no readable key says so; --nonce without --generate-only is refused', async () => {
  const r = await haca(['tx', 'transfer', '--to', demo, '--amount', '1', '--generate-only', '--key', '/nonexistent/key.json', '--node', dev.rpc])
  assert.equal(r.code, 1)
  assert.match(r.stderr, /^error: cannot use key file \/nonexistent\/key\.json/)
  const n = await haca(['tx', 'transfer', '--to', demo, '--amount', '1', '--nonce', '4', '--key', demoKeyFile, '--node', dev.rpc])
  assert.equal(n.code, 1)
  assert.match(n.stderr, /^error: --nonce go with --generate-only/)
  assert.equal((await readKeyFile(demoKeyFile)).address, demo)
})
