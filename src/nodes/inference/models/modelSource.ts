/**
 * Where ONNX models come from. The node asks a ModelSource for a model's bytes by ID; the
 * configured-file source below serves a fixed list, and the storage cache (models by ID from
 * the ledger and Walrus) can replace it without the runtime changing.
 */
import { readFile } from 'node:fs/promises'
import { BaseError } from '../../../core/errors.ts'

/** A model this node offers, and its price per request. */
export type ModelInfo = { id: string; price: bigint }

export interface ModelSource {
  /** Models this node can serve. */
  list(): ModelInfo[]
  /** The model's ONNX bytes; throws {@link UnknownModelError} for a model not in `list()`. */
  load(id: string): Promise<Uint8Array>
  /** Brings `list()` up to date where the list lives elsewhere (the ledger); cheap when it just did. */
  refresh?(): Promise<void>
}

export class UnknownModelError extends BaseError {
  override name = 'UnknownModelError' as const
  readonly model: string
  constructor({ model }: { model: string }) {
    super(`model "${model}" is not served by this node`, { code: 'unknown_model' })
    this.model = model
  }
}

/** Several sources as one (the first that lists a model serves it). */
export class CombinedModelSource implements ModelSource {
  constructor(private readonly sources: ModelSource[]) {}

  list(): ModelInfo[] {
    return this.sources.flatMap((s) => s.list())
  }

  async refresh(): Promise<void> {
    await Promise.all(this.sources.map((s) => s.refresh?.()))
  }

  load(id: string): Promise<Uint8Array> {
    const source = this.sources.find((s) => s.list().some((m) => m.id === id))
    if (!source) return Promise.reject(new UnknownModelError({ model: id }))
    return source.load(id)
  }
}

/** A fixed list of models, each read by `read` (from a file, from the blob store's cache, ...). */
export abstract class ListedModelSource<M extends ModelInfo> implements ModelSource {
  private readonly models: Map<string, M>

  constructor(models: M[]) {
    this.models = new Map(models.map((m) => [m.id, m]))
  }

  protected abstract read(model: M): Promise<Uint8Array>

  list(): ModelInfo[] {
    return [...this.models.values()].map(({ id, price }) => ({ id, price }))
  }

  async load(id: string): Promise<Uint8Array> {
    const m = this.models.get(id)
    if (!m) throw new UnknownModelError({ model: id })
    return this.read(m)
  }
}

/** Models listed in the node config: `{ id, path, price }` each. */
export class FileModelSource extends ListedModelSource<ModelInfo & { path: string }> {
  protected async read(m: ModelInfo & { path: string }): Promise<Uint8Array> {
    return new Uint8Array(await readFile(m.path))
  }
}
