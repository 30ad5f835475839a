/**
 * The registry under a real CometBFT v0.38 validator: a node attests with a simulated enclave
 * over a recent block hash (as the registry recorded it from FinalizeBlock), registers, shows
 * up as active, and its record is read back with a Merkle proof against the app hash.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fromHex, toHex } from '../src/core/bytes.ts'
import { addressOf, generatePrivateKey, publicKeyOf } from '../src/core/keys.ts'
import { DevRoot } from '../src/attestation/devRoot.ts'
import { attestationBindingDigest } from '../src/attestation/keyBinding.ts'
import { SimulatedEnclave, simulatedEnclavePcrs } from '../src/attestation/simulatedEnclave.ts'
import { LedgerRpc } from '../src/client/ledger/ledgerRpc.ts'
import { prepareDevnet, RunningDevnet } from '../src/network/devnet.ts'
import { nodeKey, signingKeyIndexKey } from '../src/ledger/registry/keys.ts'
import { decodeNode, type NodeView } from '../src/ledger/registry/node.ts'
import type { RegistryGenesis } from '../src/ledger/registry/params.ts'
import { buildReattestTx, buildRegisterTx, signKeyProof } from '../src/ledger/registry/tx.ts'
import { latestHeight } from '../src/client/ledger/wait.ts'
import { genesisOf, replayAndCompare, tempHome } from './helpers/ledger.ts'

async function fetchBlockHash(rpcUrl: string, height: number): Promise<string> {
  const body = (await (await fetch(`${rpcUrl}/block?height=${height}`)).json()) as { result: { block_id: { hash: string } } }
  return `0x${body.result.block_id.hash.toLowerCase()}`
}

let home: Awaited<ReturnType<typeof tempHome>>
let net: RunningDevnet
let rpc: LedgerRpc
let root: DevRoot
const operator = generatePrivateKey()

before(async () => {
  home = await tempHome('registry-comet')
  root = await DevRoot.generate({ notBefore: new Date(Date.now() - 86_400_000) })
  const layout = await prepareDevnet({ home: home.dir, validators: 1, basePort: 21000, timeoutCommit: '300ms', accounts: [{ address: addressOf(operator), balance: '1000000' }] })
  // The devnet writes accounts and params; this network also names its dev root and the simulated enclave's image.
  const registry: RegistryGenesis = {
    trustedRoots: [root.fingerprint],
    measurements: { inference: { nitro: [simulatedEnclavePcrs()] } },
    maxAttestationAgeMs: '3600000',
    minStake: '1000',
    recentBlockHashes: 50,
  }
  for (const v of layout.validators) {
    const file = join(v.cometHome, 'config/genesis.json')
    const genesis = JSON.parse(await readFile(file, 'utf8'))
    genesis.app_state.registry = registry
    await writeFile(file, `${JSON.stringify(genesis, null, 2)}\n`)
  }
  net = new RunningDevnet(layout)
  await net.start()
  rpc = await LedgerRpc.connect(layout.validators[0].rpc)
})

after(async () => {
  rpc?.disconnect()
  await net?.stop()
  await home?.cleanup()
})

test('a simulated-enclave node registers on CometBFT over a recent block hash and is read back with a proof', async () => {
  const head = await rpc.queryJson<{ height: number; hash: string }>('/registry/head')
  // The registry's nonce is CometBFT's own block hash.
  assert.equal(head.hash, await fetchBlockHash(rpc.url, head.height))

  const signing = generatePrivateKey()
  const signingKey = publicKeyOf(signing)
  const enclave = new SimulatedEnclave({ root })
  const document = await enclave.attest({ publicKey: signingKey, userData: attestationBindingDigest({ signingKey }), nonce: fromHex(head.hash) })
  const chainId = await rpc.chainId()
  const { bytes } = buildRegisterTx(
    {
      chainId,
      nonce: 0n,
      fee: 10n,
      msg: {
        nodeType: 'inference',
        evidence: { kind: 'nitro', document },
        signingKey,
        endpoint: 'http://127.0.0.1:9/',
        payout: addressOf(operator),
        capabilities: { runtimes: ['onnx'], models: ['mnist-8'], modes: ['fast'], prices: [{ item: '*', amount: 1n }] },
        stake: 5000n,
        nonceHeight: head.height,
        keyProof: signKeyProof(addressOf(operator), signing),
      },
    },
    operator,
  )
  const result = await rpc.waitForTx(await rpc.broadcast(bytes))
  assert.equal(result.code, 0, result.log)
  assert.equal(result.events.find((e) => e.type === 'register')?.attributes.tee, 'nitro')

  const { nodes } = await rpc.queryJson<{ nodes: NodeView[] }>('/registry/nodes/type=inference&model=mnist-8')
  assert.deepEqual(nodes.map((n) => [n.address, n.status, n.attested, n.signingKey]), [[addressOf(operator), 'active', true, toHex(signingKey)]])

  const proven = await rpc.queryProven(nodeKey(addressOf(operator)))
  const record = decodeNode(proven.value!)
  // A receipt's key leads to its node: the signing-key index entry is proven too.
  const holder = await rpc.queryProven(signingKeyIndexKey(signingKey))
  assert.equal(toHex(holder.value!), addressOf(operator))
  assert.equal(toHex(record.signingKey), toHex(signingKey))
  assert.equal(record.stake, 5000n)
  assert.equal(record.tee, 'nitro')

  // Re-attest over a newer block hash; the attestation time moves forward.
  const head2 = await rpc.queryJson<{ height: number; hash: string }>('/registry/head')
  const fresh = await enclave.attest({ publicKey: signingKey, userData: attestationBindingDigest({ signingKey }), nonce: fromHex(head2.hash) })
  const re = await rpc.waitForTx(await rpc.broadcast(buildReattestTx({ chainId, nonce: 1n, fee: 10n, msg: { evidence: { kind: 'nitro', document: fresh }, nonceHeight: head2.height } }, operator).bytes))
  assert.equal(re.code, 0, re.log)
  const after = await rpc.queryJson<NodeView>(`/registry/node/${addressOf(operator)}`)
  assert.ok(BigInt(after.attestedAtMs) > record.attestedAtMs)
})

test('a fresh ledger replaying the chain (block hashes included) reaches the same app hashes', async () => {
  const url = rpc.url
  const top = (await latestHeight(url)) - 1
  const { mismatches } = await replayAndCompare(url, await genesisOf(url), top)
  assert.deepEqual(mismatches, [])
})
