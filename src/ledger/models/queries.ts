import type { StateReader } from '../state/overlay.ts'
import { ErrInvalidModel, ErrModelNotFound } from './errors.ts'
import { type ModelRecord, getModel, getName, getNames } from './keeper.ts'
import { modelIdOf } from './keys.ts'

export type ModelView = Omit<ModelRecord, 'size' | 'price' | 'registeredAtMs' | 'io'> & { size: string; price: string; registeredAtMs: string; io: unknown }

function view(m: ModelRecord): ModelView {
  return { ...m, size: m.size.toString(), price: m.price.toString(), registeredAtMs: m.registeredAtMs.toString(), io: JSON.parse(m.io) }
}

/** `/models/model/<0xID | name@version>` */
export async function queryModel(store: StateReader, ref: string): Promise<ModelView> {
  const at = ref.lastIndexOf('@')
  const id = /^0x[0-9a-fA-F]{64}$/.test(ref) ? (ref.toLowerCase() as `0x${string}`) : at > 0 ? modelIdOf(ref.slice(0, at), ref.slice(at + 1)) : undefined
  if (!id) throw new ErrInvalidModel(`"${ref}" is neither a model ID (0x + 64 hex) nor name@version`)
  const m = await getModel(store, id)
  if (!m) throw new ErrModelNotFound(`no model ${ref}`)
  return view(m)
}

/** `/models/versions/<name>` */
export async function queryVersions(store: StateReader, name: string): Promise<{ name: string; owner: string; versions: ModelView[] }> {
  const n = await getName(store, name)
  if (!n) throw new ErrModelNotFound(`no model named "${name}"`)
  const versions = await Promise.all(n.versions.map(async (v) => view((await getModel(store, modelIdOf(name, v)))!)))
  return { name, owner: n.owner, versions }
}

/** `/models/list` : every name with its latest version. */
export async function queryList(store: StateReader): Promise<Array<{ name: string; owner: string; versions: string[]; latest: ModelView }>> {
  const out = []
  for (const name of await getNames(store)) {
    const n = (await getName(store, name))!
    const latest = view((await getModel(store, modelIdOf(name, n.versions[n.versions.length - 1])))!)
    out.push({ name, owner: n.owner, versions: n.versions, latest })
  }
  return out
}

/** `/models/all` : every registered version, by name in registration order. */
export async function queryAll(store: StateReader): Promise<ModelView[]> {
  const out: ModelView[] = []
  for (const name of await getNames(store)) {
    const n = (await getName(store, name))!
    for (const v of n.versions) out.push(view((await getModel(store, modelIdOf(name, v)))!))
  }
  return out
}
