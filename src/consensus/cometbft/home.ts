/**
 * Prepares a CometBFT home directory for one validator: `cometbft init`, then the config
 * settings haca needs (loopback ports, our ABCI address, peers, block timing, mempool size).
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { runCometbft } from './binary.ts'

export type ValidatorPorts = { p2p: number; rpc: number; abci: number }

export type ValidatorIdentity = {
  /** Node ID for p2p addresses (hex of the first 20 bytes of sha256 of the node key). */
  nodeId: string
  /** Ed25519 consensus public key, base64. */
  pubKey: string
  /** Consensus address, hex upper case (as CometBFT prints it). */
  address: string
}

export async function initCometHome(home: string): Promise<ValidatorIdentity> {
  await runCometbft(['init', '--home', home])
  const nodeKey = JSON.parse(await readFile(join(home, 'config/node_key.json'), 'utf8'))
  const nodePub = Buffer.from(nodeKey.priv_key.value, 'base64').subarray(32)
  const pv = JSON.parse(await readFile(join(home, 'config/priv_validator_key.json'), 'utf8'))
  return {
    nodeId: createHash('sha256').update(nodePub).digest().subarray(0, 20).toString('hex'),
    pubKey: pv.pub_key.value,
    address: pv.address,
  }
}

export type CometConfigSettings = {
  moniker: string
  ports: ValidatorPorts
  persistentPeers: string[]
  /** How long a validator waits after a commit before the next height (shorter: faster blocks). */
  timeoutCommit: string
  /**
   * Whether this node indexes transactions (its RPC answers /tx and tx_search). Default true. The
   * devnet's clients use validator 0's RPC; the others skip the index, which stores every
   * transaction again (MBs per settlement batch) and costs its compactions.
   */
  indexTxs?: boolean
}

/** Sets `key = value` inside `[section]` ('' for the top level) of a TOML file's text. */
export function setToml(text: string, section: string, key: string, value: string | number | boolean): string {
  const lines = text.split('\n')
  let current = ''
  const rendered = typeof value === 'string' ? JSON.stringify(value) : String(value)
  for (let i = 0; i < lines.length; i++) {
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(lines[i])
    if (header) {
      current = header[1]
      continue
    }
    if (current === section && new RegExp(`^\\s*${key.replace(/[.]/g, '\\.')}\\s*=`).test(lines[i])) {
      lines[i] = `${key} = ${rendered}`
      return lines.join('\n')
    }
  }
  throw new Error(`CometBFT config has no ${section ? `[${section}] ` : ''}${key}`)
}

export async function configureCometHome(home: string, s: CometConfigSettings): Promise<void> {
  const path = join(home, 'config/config.toml')
  let t = await readFile(path, 'utf8')
  t = setToml(t, '', 'moniker', s.moniker)
  t = setToml(t, '', 'proxy_app', `tcp://127.0.0.1:${s.ports.abci}`)
  t = setToml(t, '', 'log_level', 'error')
  t = setToml(t, 'rpc', 'laddr', `tcp://127.0.0.1:${s.ports.rpc}`)
  t = setToml(t, 'rpc', 'max_body_bytes', 16_000_000)
  t = setToml(t, 'rpc', 'max_open_connections', 2000)
  t = setToml(t, 'rpc', 'max_request_batch_size', 1000)
  t = setToml(t, 'rpc', 'timeout_broadcast_tx_commit', '30s')
  t = setToml(t, 'p2p', 'laddr', `tcp://127.0.0.1:${s.ports.p2p}`)
  t = setToml(t, 'p2p', 'persistent_peers', s.persistentPeers.join(','))
  t = setToml(t, 'p2p', 'addr_book_strict', false)
  t = setToml(t, 'p2p', 'allow_duplicate_ip', true)
  t = setToml(t, 'p2p', 'pex', false)
  // CometBFT's defaults (5 MB/s per peer, 1 KB packets) throttle gossip of multi-MB settlement
  // batches between validators; these are loopback/LAN validators.
  t = setToml(t, 'p2p', 'send_rate', 100 * 1024 * 1024)
  t = setToml(t, 'p2p', 'recv_rate', 100 * 1024 * 1024)
  t = setToml(t, 'p2p', 'max_packet_msg_payload_size', 16 * 1024)
  t = setToml(t, 'mempool', 'size', 50_000)
  // Settlement batches of thousands of receipts are single transactions of a few MB.
  t = setToml(t, 'mempool', 'max_tx_bytes', 4 * 1024 * 1024)
  t = setToml(t, 'mempool', 'max_txs_bytes', 512 * 1024 * 1024)
  t = setToml(t, 'mempool', 'cache_size', 100_000)
  t = setToml(t, 'consensus', 'timeout_commit', s.timeoutCommit)
  t = setToml(t, 'consensus', 'timeout_propose', '2s')
  t = setToml(t, 'tx_index', 'indexer', s.indexTxs === false ? 'null' : 'kv')
  t = setToml(t, 'instrumentation', 'prometheus', false)
  await writeFile(path, t)
}
