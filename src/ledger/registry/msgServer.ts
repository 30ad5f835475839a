/**
 * Registry handlers. Each runs: parse (done by the codec), load, authorise and verify, change
 * state through the keeper, emit events; nothing is written before every check has passed
 * (and the app drops the message's writes if a handler throws anyway). Stakes move only
 * through `RegistryKeeper` (bondStake, returnStake), which owns the stake pool.
 */
import { toHex } from '../../core/bytes.ts'
import type { Address } from '../../core/keys.ts'
import { verifyDigest } from '../../core/keys.ts'
import type { TxContext } from '../context.ts'
import { event } from '../context.ts'
import {
  ErrAlreadyRegistered,
  ErrBadKeyProof,
  ErrSigningKeyInUse,
  ErrInsufficientStake,
  ErrNotAttested,
  ErrNotRegistered,
  ErrNotUnbonding,
  ErrStillUnbonding,
  ErrUnauthorized,
  ErrUnbonding,
  ErrVanillaNotAllowed,
} from './errors.ts'
import { type RegistryKeeper, deleteNode, getHead, getNode, listNodeAddresses, operatorOfSigningKey, recentBlockHash, setNode } from './keeper.ts'
import { measurementAllowed } from './measurements.ts'
import { type MsgDeregister, type MsgReattest, type MsgRegister, type MsgSetMeasurements, type MsgWithdraw, keyProofDigest } from './msgs.ts'
import type { NodeRecord } from './node.ts'
import { getRegistryParams, setRegistryParams } from './params.ts'
import { verifyNodeEvidence } from './verify.ts'

/**
 * The block time attestations are checked at. In FinalizeBlock it is the block's own time. In
 * CheckTx the app passes the last block time it saw, which is 0 after a restart until the next
 * block; the registry head (last committed block) fills that in, so a restarted node does not
 * refuse every registration as "from the future". Deterministic: both are block times.
 */
async function blockNow(ctx: TxContext): Promise<bigint> {
  const head = await getHead(ctx.store)
  return head && head.timeMs > ctx.timeMs ? head.timeMs : ctx.timeMs
}

async function register(keeper: RegistryKeeper, ctx: TxContext, msg: MsgRegister): Promise<void> {
  const params = await getRegistryParams(ctx.store)
  if (await getNode(ctx.store, ctx.sender)) throw new ErrAlreadyRegistered(`${ctx.sender} already has a registered node`)
  const holder = await operatorOfSigningKey(ctx.store, msg.signingKey)
  if (holder) throw new ErrSigningKeyInUse(`signing key ${toHex(msg.signingKey)} is already registered by ${holder}`)
  if (!verifyDigest(keyProofDigest(ctx.sender), msg.keyProof, msg.signingKey)) {
    throw new ErrBadKeyProof(`keyProof is not a signature by the signing key over keyProofDigest(${ctx.sender})`)
  }
  if (msg.stake < params.minStake) throw new ErrInsufficientStake(`stake ${msg.stake} is below the minimum ${params.minStake}`)
  const now = await blockNow(ctx)
  let attestation: Pick<NodeRecord, 'tee' | 'measurement' | 'attestedAtMs' | 'evidenceHash'>
  if (msg.evidence.kind === 'none') {
    if (!params.allowVanilla) throw new ErrVanillaNotAllowed('this network accepts only attested nodes: evidence is required')
    attestation = { tee: 'none', measurement: [], attestedAtMs: now, evidenceHash: new Uint8Array(0) }
  } else {
    const expectedNonce = msg.nonceHeight > 0 ? await recentBlockHash(ctx.store, params, ctx.height, msg.nonceHeight) : undefined
    attestation = verifyNodeEvidence(msg.evidence, {
      params,
      nodeType: msg.nodeType,
      nowMs: now,
      signingKey: msg.signingKey,
      hpkePublicKey: msg.hpkePublicKey,
      expectedNonce,
    })
  }
  // The operator's balance is checked before the bond writes anything.
  await keeper.bondStake(ctx.store, ctx.sender, msg.stake)
  await setNode(ctx.store, ctx.sender, {
    type: msg.nodeType,
    signingKey: msg.signingKey,
    hpkePublicKey: msg.hpkePublicKey ?? new Uint8Array(0),
    endpoint: msg.endpoint,
    payout: msg.payout,
    capabilities: msg.capabilities,
    stake: msg.stake,
    ...attestation,
    registeredHeight: ctx.height,
    measurementRemoved: false,
    unbondingEndsMs: 0n,
  })
  ctx.events.push(
    event('register', { node: ctx.sender, type: msg.nodeType, tee: attestation.tee, signing_key: toHex(msg.signingKey), stake: msg.stake.toString() }, ['node', 'signing_key']),
  )
}

async function reattest(ctx: TxContext, msg: MsgReattest): Promise<void> {
  const params = await getRegistryParams(ctx.store)
  const node = await getNode(ctx.store, ctx.sender)
  if (!node) throw new ErrNotRegistered(`${ctx.sender} has no registered node`)
  if (node.tee === 'none') throw new ErrNotAttested('a vanilla node has no attestation to renew; deregister and register with evidence')
  if (node.unbondingEndsMs > 0n) throw new ErrUnbonding('the node is deregistered and unbonding')
  const expectedNonce = await recentBlockHash(ctx.store, params, ctx.height, msg.nonceHeight)
  const att = verifyNodeEvidence(msg.evidence, {
    params,
    nodeType: node.type,
    nowMs: await blockNow(ctx),
    signingKey: node.signingKey,
    hpkePublicKey: node.hpkePublicKey.length ? node.hpkePublicKey : undefined,
    expectedNonce,
  })
  await setNode(ctx.store, ctx.sender, { ...node, ...att, measurementRemoved: false })
  ctx.events.push(event('reattest', { node: ctx.sender, tee: att.tee, attested_at_ms: att.attestedAtMs.toString() }, ['node']))
}

async function deregister(ctx: TxContext, _msg: MsgDeregister): Promise<void> {
  const params = await getRegistryParams(ctx.store)
  const node = await getNode(ctx.store, ctx.sender)
  if (!node) throw new ErrNotRegistered(`${ctx.sender} has no registered node`)
  if (node.unbondingEndsMs > 0n) throw new ErrUnbonding(`the node is already unbonding until ${node.unbondingEndsMs}`)
  // At least 1 ms: 0 means "not unbonding".
  const now = await blockNow(ctx)
  const unbondingEndsMs = now + params.unbondingPeriodMs > 0n ? now + params.unbondingPeriodMs : 1n
  await setNode(ctx.store, ctx.sender, { ...node, unbondingEndsMs })
  ctx.events.push(event('deregister', { node: ctx.sender, unbonding_ends_ms: unbondingEndsMs.toString() }, ['node']))
}

async function withdraw(keeper: RegistryKeeper, ctx: TxContext, _msg: MsgWithdraw): Promise<void> {
  const node = await getNode(ctx.store, ctx.sender)
  if (!node) throw new ErrNotRegistered(`${ctx.sender} has no registered node`)
  if (node.unbondingEndsMs === 0n) throw new ErrNotUnbonding('deregister first; the stake is returned after the unbonding period')
  const now = await blockNow(ctx)
  if (now < node.unbondingEndsMs) throw new ErrStillUnbonding(`the stake unbonds at block time ${node.unbondingEndsMs}; it is ${now}`)
  await keeper.returnStake(ctx.store, ctx.sender, node.stake)
  await deleteNode(ctx.store, ctx.sender)
  ctx.events.push(event('withdraw', { node: ctx.sender, amount: node.stake.toString() }, ['node']))
}

/** Replaces a node type's allowed measurements; nodes whose measurement is no longer allowed are deactivated. */
async function setMeasurements(ctx: TxContext, msg: MsgSetMeasurements): Promise<void> {
  const params = await getRegistryParams(ctx.store)
  if (!params.governance || params.governance !== ctx.sender) throw new ErrUnauthorized(`only the governance account may set measurements; ${ctx.sender} is not it`)
  // Every node is loaded before the first write. The index is sorted: every node visits the same nodes in the same order.
  const deactivated: Array<{ address: Address; node: NodeRecord }> = []
  for (const address of await listNodeAddresses(ctx.store)) {
    const node = await getNode(ctx.store, address)
    if (!node || node.type !== msg.nodeType || node.tee === 'none' || node.measurementRemoved) continue
    if (measurementAllowed(node.tee, node.measurement, msg.measurements)) continue
    deactivated.push({ address, node })
  }
  setRegistryParams(ctx.store, { ...params, measurements: { ...params.measurements, [msg.nodeType]: msg.measurements } })
  for (const { address, node } of deactivated) {
    await setNode(ctx.store, address, { ...node, measurementRemoved: true })
    ctx.events.push(event('node_deactivated', { node: address, reason: 'measurement_removed' }, ['node']))
  }
  ctx.events.push(
    event('set_measurements', { type: msg.nodeType, nitro: String(msg.measurements.nitro.length), tdx: String(msg.measurements.tdx.length), deactivated: String(deactivated.length) }),
  )
}

/** The registry handlers over `keeper` (wired in modules.ts). */
export function registryMsgServer(keeper: RegistryKeeper) {
  return {
    register: (ctx: TxContext, msg: MsgRegister) => register(keeper, ctx, msg),
    reattest,
    deregister,
    withdraw: (ctx: TxContext, msg: MsgWithdraw) => withdraw(keeper, ctx, msg),
    setMeasurements,
  }
}
