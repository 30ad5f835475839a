import { event, type TxContext } from '../context.ts'
import { ErrNotNameOwner, ErrVersionExists } from './errors.ts'
import { addModel, getModel, getName } from './keeper.ts'
import { modelIdOf } from './keys.ts'
import type { MsgRegisterModel } from './msgs.ts'

/** Versions are immutable once registered; a name belongs to whoever registered its first version. */
export async function handleRegisterModel(ctx: TxContext, msg: MsgRegisterModel): Promise<void> {
  const id = modelIdOf(msg.name, msg.version)
  if (await getModel(ctx.store, id)) throw new ErrVersionExists(`${msg.name}@${msg.version} is already registered (versions are immutable)`)
  const name = await getName(ctx.store, msg.name)
  if (name && name.owner !== ctx.sender) throw new ErrNotNameOwner(`model name "${msg.name}" belongs to ${name.owner}; only its owner can register new versions`)
  await addModel(ctx.store, { ...msg, id, owner: ctx.sender, registeredAtHeight: ctx.height, registeredAtMs: ctx.timeMs })
  ctx.events.push(event('register_model', { id, name: msg.name, version: msg.version, owner: ctx.sender, manifest_blob_id: msg.manifestBlobId }, ['id', 'name', 'owner']))
}
