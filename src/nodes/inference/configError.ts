import { BaseError } from '../../core/errors.ts'

/** A node config that cannot run: names the config path and what is wrong with it. */
export class InferenceConfigError extends BaseError {
  override name = 'InferenceConfigError' as const
  constructor({ path, reason, cause }: { path: string; reason: string; cause?: unknown }) {
    super(`inference node config ${path}: ${reason}`, { code: 'inference_config', cause })
  }
}
