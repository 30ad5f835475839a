import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RLP } from '@ethereumjs/rlp'
import { writeKeyFile } from '../../src/core/keyfile.ts'
import { type Address, addressOf, generatePrivateKey } from '../../src/core/keys.ts'
import { LedgerApp } from '../../src/ledger/app.ts'
import { MemoryKv } from '../../src/ledger/state/kv.ts'
import { buildTransferTx } from '../../src/ledger/accounts/tx.ts'
import { toHex } from '../../src/core/bytes.ts'

export async function tempHome(prefix: string): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `haca-${prefix}-`))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** A fixed demo key written into a home, so two networks share a genesis. */
export async function seedDemoKey(home: string, privateKey: Uint8Array): Promise<void> {
  await writeKeyFile(join(home, 'keys/demo.json'), privateKey, { overwrite: true })
}

export function transferStream(p: { chainId: string; from: Uint8Array; startNonce?: number; count: number; to?: Address; amount?: bigint }): Uint8Array[] {
  const to = p.to ?? addressOf(generatePrivateKey())
  return Array.from({ length: p.count }, (_, i) =>
    buildTransferTx({ chainId: p.chainId, nonce: BigInt((p.startNonce ?? 0) + i), fee: 10n, to, amount: p.amount ?? BigInt(i + 1) }, p.from).bytes,
  )
}

type RpcBlock = { height: number; time: string; txs: Uint8Array[]; appHash: string; hash: Uint8Array }

export async function fetchBlock(rpc: string, height: number): Promise<RpcBlock> {
  const res = await fetch(`${rpc}/block?height=${height}`)
  const body = (await res.json()) as any
  if (!body.result) throw new Error(`block ${height}: ${JSON.stringify(body.error)}`)
  const b = body.result.block
  return {
    height,
    time: b.header.time,
    txs: (b.data.txs ?? []).map((t: string) => new Uint8Array(Buffer.from(t, 'base64'))),
    appHash: String(b.header.app_hash).toUpperCase(),
    // The registry records block hashes (re-attestation nonces), so a replay passes them as CometBFT does.
    hash: new Uint8Array(Buffer.from(String(body.result.block_id.hash), 'hex')),
  }
}

/**
 * Re-executes a chain's blocks 1..upTo from RPC in a fresh in-memory ledger (a node that never
 * crashed) and checks each resulting app hash against the next block's header.
 */
export async function replayAndCompare(rpc: string, genesis: { chainId: string; appState: unknown }, upTo: number): Promise<{ mismatches: string[]; appHash: string }> {
  const app = await LedgerApp.open(new MemoryKv())
  await app.initChain({ chainId: genesis.chainId, appStateBytes: new TextEncoder().encode(JSON.stringify(genesis.appState)), initialHeight: 1n })
  const mismatches: string[] = []
  let next = await fetchBlock(rpc, 1)
  for (let h = 1; h <= upTo; h++) {
    const block = next
    const ms = Date.parse(block.time)
    await app.finalizeBlock({ height: BigInt(h), txs: block.txs, time: { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 }, hash: block.hash })
    await app.commit()
    next = await fetchBlock(rpc, h + 1)
    const mine = toHex(app.appHash).slice(2).toUpperCase()
    if (mine !== next.appHash) mismatches.push(`height ${h}: replayed ${mine}, chain says ${next.appHash}`)
  }
  return { mismatches, appHash: toHex(app.appHash) }
}

export async function genesisOf(rpc: string): Promise<{ chainId: string; appState: unknown }> {
  const body = (await (await fetch(`${rpc}/genesis`)).json()) as any
  return { chainId: body.result.genesis.chain_id, appState: body.result.genesis.app_state }
}

export async function appInfo(rpc: string): Promise<{ height: number; appHash: string }> {
  const body = (await (await fetch(`${rpc}/abci_info`)).json()) as any
  return { height: Number(body.result.response.last_block_height), appHash: Buffer.from(body.result.response.last_block_app_hash, 'base64').toString('hex').toUpperCase() }
}

export { RLP }
