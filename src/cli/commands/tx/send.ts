/**
 * What every `haca tx` command does with its message: sign it with --key and send it, or with
 * --generate-only print it unsigned (see src/client/ledger/unsignedTx.ts) for `haca tx sign` on
 * a machine that holds the key and no network.
 */
import { BaseError } from '../../../core/errors.ts'
import { readKeyFile } from '../../../core/keyfile.ts'
import { type Address, parseAddress } from '../../../core/keys.ts'
import { LedgerRpc, type TxResult } from '../../../client/ledger/ledgerRpc.ts'
import { sendTx } from '../../../client/ledger/sendTx.ts'
import { unsignedTxToJson } from '../../../client/ledger/unsignedTx.ts'
import { signTx } from '../../../ledger/tx/envelope.ts'
import type { RlpItem } from '../../../ledger/tx/fields.ts'
import { printResult } from '../../output.ts'
import { parseAmount } from './amount.ts'

export type TxFlags = {
  key: string
  node: string
  fee?: string
  /** false with --no-wait. */
  wait?: boolean
  json?: boolean
  generateOnly?: boolean
  from?: string
  nonce?: string
  chainId?: string
}

/** A message, ready for an envelope: its type and its body's RLP items. */
export type TxMessage = { type: number; body: RlpItem[] }

export type SentTx = { hash: string; from: Address; nonce: bigint; fee: bigint; result?: TxResult }

async function withRpc<T>(url: string, fn: (rpc: LedgerRpc) => Promise<T>): Promise<T> {
  const rpc = await LedgerRpc.connect(url)
  try {
    return await fn(rpc)
  } finally {
    rpc.disconnect()
  }
}

/** Prints the unsigned transaction; asks the node only for what the flags do not give. */
async function generate(o: TxFlags, msg: TxMessage): Promise<void> {
  const from = o.from !== undefined ? parseAddress(o.from) : (await readKeyFile(o.key)).address
  const given = { chainId: o.chainId, nonce: o.nonce === undefined ? undefined : parseAmount('--nonce', o.nonce), fee: o.fee === undefined ? undefined : parseAmount('--fee', o.fee) }
  const filled =
    given.chainId !== undefined && given.nonce !== undefined && given.fee !== undefined
      ? { chainId: given.chainId, nonce: given.nonce, fee: given.fee }
      : await withRpc(o.node, async (rpc) => ({
          chainId: given.chainId ?? (await rpc.chainId()),
          nonce: given.nonce ?? BigInt((await rpc.queryJson<{ nonce: string }>(`/accounts/account/${from}`)).nonce),
          fee: given.fee ?? BigInt((await rpc.queryJson<{ minFee: string }>('/params')).minFee),
        }))
  const json = unsignedTxToJson({ ...filled, from, type: msg.type, body: msg.body })
  // The JSON is the output either way: it is the file `haca tx sign` reads.
  printResult(true, json, () => '')
}

/**
 * Sends `msg` signed by --key (waiting for its block unless --no-wait), or prints it unsigned
 * with --generate-only and returns undefined.
 */
export async function sendOrGenerate(o: TxFlags, msg: TxMessage): Promise<SentTx | undefined> {
  if (o.generateOnly) {
    await generate(o, msg)
    return undefined
  }
  const offlineOnly = (['from', 'nonce', 'chainId'] as const).filter((k) => o[k] !== undefined)
  if (offlineOnly.length) {
    const flags = offlineOnly.map((k) => (k === 'chainId' ? '--chain-id' : `--${k}`)).join(', ')
    throw new BaseError(`${flags} go with --generate-only: a transaction sent from here takes them from --key and the node`, { code: 'invalid_option' })
  }
  const fee = o.fee === undefined ? undefined : parseAmount('--fee', o.fee)
  const key = await readKeyFile(o.key)
  let nonce = 0n
  const sent = await withRpc(o.node, (rpc) =>
    sendTx(rpc, {
      key,
      fee,
      wait: o.wait,
      build: (env) => {
        nonce = env.nonce
        return signTx({ ...env, type: msg.type, body: msg.body }, key.privateKey).bytes
      },
    }),
  )
  return { hash: sent.hash, from: key.address, nonce, fee: sent.fee, result: sent.result }
}
