/**
 * The client side of payment channels: signs a voucher per request (cumulative amount, the
 * request's hash) and keeps its state durable, so a restarted client never signs a lower
 * cumulative (a node would refuse it) nor forgets what it already promised. Opening and
 * topping up channels on the ledger are transactions (`openChannel`, `topUpChannel` here).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Hex } from '../../core/bytes.ts'
import { BaseError } from '../../core/errors.ts'
import type { KeyFile } from '../../core/keyfile.ts'
import type { Address } from '../../core/keys.ts'
import type { LedgerRpc } from '../ledger/ledgerRpc.ts'
import { sendTx } from '../ledger/sendTx.ts'
import { channelIdOf } from '../../protocol/channelId.ts'
import { buildOpenChannelTx, buildTopUpTx } from '../../ledger/payments/tx.ts'
import { signVoucher, voucherToHex } from '../../protocol/voucher.ts'

export class ChannelBudgetError extends BaseError {
  override name = 'ChannelBudgetError' as const
  constructor(channelId: Hex, needed: bigint, deposit: bigint) {
    super(`channel ${channelId} holds ${deposit}; paying this request needs ${needed} in all: top it up`, { code: 'channel_budget' })
  }
}

type State = { channels: Record<string, { node: Address; deposit: string; cumulative: string }> }

export type ChannelPayerParameters = {
  key: KeyFile
  chainId: string
  /**
   * Where the voucher state is kept (JSON, rewritten atomically on every voucher). Without one
   * the state lives in memory: channels it opened are not found again by another process.
   */
  stateFile?: string
}

export class ChannelPayer {
  private state: State = { channels: {} }
  private writing: Promise<void> = Promise.resolve()

  private constructor(private readonly p: ChannelPayerParameters) {}

  static async open(p: ChannelPayerParameters): Promise<ChannelPayer> {
    const payer = new ChannelPayer(p)
    if (p.stateFile === undefined) return payer
    try {
      payer.state = JSON.parse(await readFile(p.stateFile, 'utf8')) as State
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new BaseError(`voucher state ${p.stateFile} is unreadable`, { code: 'voucher_state', cause: err })
    }
    return payer
  }

  /** The chain the vouchers are signed for. */
  get chainId(): string {
    return this.p.chainId
  }

  /** The channel this client uses for `node`, if it has one. */
  channelFor(node: Address): { id: Hex; deposit: bigint; cumulative: bigint } | undefined {
    for (const [id, c] of Object.entries(this.state.channels)) if (c.node === node) return { id: id as Hex, deposit: BigInt(c.deposit), cumulative: BigInt(c.cumulative) }
    return undefined
  }

  /** Records a channel opened elsewhere (or by `openChannel`). */
  async track(channelId: Hex, node: Address, deposit: bigint): Promise<void> {
    const prev = this.state.channels[channelId]
    this.state.channels[channelId] = { node, deposit: deposit.toString(), cumulative: prev?.cumulative ?? '0' }
    await this.save()
  }

  /**
   * Signs the voucher for one request: cumulative = previous + price. The new cumulative is on
   * disk before the voucher is returned, so a crash can only make the client skip ahead, never
   * sign the same amount twice for different requests.
   */
  async pay(node: Address, requestHash: Hex, price: bigint): Promise<string> {
    const c = this.channelFor(node)
    if (!c) throw new BaseError(`no payment channel to node ${node}: open one first`, { code: 'no_channel' })
    const cumulative = c.cumulative + price
    if (cumulative > c.deposit) throw new ChannelBudgetError(c.id, cumulative, c.deposit)
    this.state.channels[c.id].cumulative = cumulative.toString()
    await this.save()
    return voucherToHex(signVoucher({ chainId: this.p.chainId, channelId: c.id, cumulative, requestHash }, this.p.key.privateKey))
  }

  private save(): Promise<void> {
    const file = this.p.stateFile
    if (file === undefined) return this.writing
    const body = JSON.stringify(this.state)
    this.writing = this.writing.then(async () => {
      await mkdir(dirname(file), { recursive: true })
      const tmp = `${file}.tmp`
      await writeFile(tmp, body, { mode: 0o600, flush: true })
      await rename(tmp, file)
    })
    return this.writing
  }
}

/** Opens a channel to `node` escrowing `amount`; returns its id once committed. */
export async function openChannel(rpc: LedgerRpc, p: { key: KeyFile; node: Address; amount: bigint; payer?: ChannelPayer }): Promise<Hex> {
  let id: Hex | undefined
  await sendTx(rpc, {
    key: p.key,
    build: (env) => {
      id = channelIdOf(p.key.address, p.node, env.nonce)
      return buildOpenChannelTx({ ...env, node: p.node, amount: p.amount }, p.key.privateKey).bytes
    },
  })
  await p.payer?.track(id!, p.node, p.amount)
  return id!
}

export async function topUpChannel(rpc: LedgerRpc, p: { key: KeyFile; channelId: Hex; amount: bigint; payer?: ChannelPayer; node?: Address }): Promise<void> {
  await sendTx(rpc, { key: p.key, build: (env) => buildTopUpTx({ ...env, channelId: p.channelId, amount: p.amount }, p.key.privateKey).bytes })
  if (p.payer && p.node) {
    const c = p.payer.channelFor(p.node)
    if (c) await p.payer.track(p.channelId, p.node, c.deposit + p.amount)
  }
}
