/**
 * Which onnxruntime execution provider runs a node's models. 'cuda' is used only when the
 * machine has it and the operator asks for it:
 *   - 'cpu' (default): the CPU, always there;
 *   - 'cuda': CUDA or the node does not start (an operator who asked for a GPU gets told, not
 *     a CPU node that answers ten times slower);
 *   - 'auto': CUDA when it works here, else the CPU, with the reason logged.
 * "Works here" is proved by creating a session on a one-node model, since the provider can be
 * listed and still fail to load: onnxruntime-node fetches its CUDA libraries at install only
 * when asked (src/nodes/inference/README.md says how; this repo's .npmrc skips them), and they need
 * the NVIDIA driver and CUDA 12 runtime on the machine.
 */
import ort from 'onnxruntime-node'
import { BaseError } from '../../../core/errors.ts'
import { encodeModel } from '../../../onnx/build.ts'

export const EXECUTION_PROVIDER_CHOICES = ['cpu', 'cuda', 'auto'] as const
export type ExecutionProviderChoice = (typeof EXECUTION_PROVIDER_CHOICES)[number]
/** What sessions are created with, once the choice is resolved. */
export type ExecutionProvider = 'cpu' | 'cuda'

export class ExecutionProviderUnavailableError extends BaseError {
  override name = 'ExecutionProviderUnavailableError' as const
  constructor({ provider, reason }: { provider: string; reason: string }) {
    super(`onnx.executionProvider "${provider}" was asked for but cannot run here: ${reason} (use "cpu", or "auto" to fall back to the CPU)`, { code: 'execution_provider_unavailable' })
  }
}

export type ResolvedExecutionProvider = { provider: ExecutionProvider; /** Why 'auto' fell back to the CPU. */ fallback?: string }

let cudaProbe: Promise<string | null> | undefined

/** Why CUDA cannot run sessions here, or null when it can (probed once per process: the machine does not change). */
export function cudaUnavailableReason(): Promise<string | null> {
  return (cudaProbe ??= probeCuda())
}

async function probeCuda(): Promise<string | null> {
  if (!ort.listSupportedBackends().some((b) => b.name === 'cuda')) return 'this onnxruntime-node build has no CUDA provider'
  const probe = encodeModel({
    graph: { name: 'probe', nodes: [{ opType: 'Identity', inputs: ['x'], outputs: ['y'] }], inputs: [{ name: 'x', elementType: 'float32', shape: [1] }], outputs: [{ name: 'y', elementType: 'float32', shape: [1] }] },
  })
  try {
    const session = await ort.InferenceSession.create(probe, { executionProviders: ['cuda'], logSeverityLevel: 4 })
    await session.release()
    return null
  } catch (err) {
    // The first line says what is missing (a shared library, a driver); the rest is a native stack.
    return String(err instanceof Error ? err.message : err).split('\n')[0]
  }
}

/** Resolves the operator's choice against this machine (see the file comment). */
export async function resolveExecutionProvider(choice: ExecutionProviderChoice = 'cpu'): Promise<ResolvedExecutionProvider> {
  if (choice === 'cpu') return { provider: 'cpu' }
  const reason = await cudaUnavailableReason()
  if (reason === null) return { provider: 'cuda' }
  if (choice === 'cuda') throw new ExecutionProviderUnavailableError({ provider: 'cuda', reason })
  return { provider: 'cpu', fallback: `CUDA cannot run here (${reason}); models run on the CPU` }
}
