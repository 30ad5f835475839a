/**
 * Confirms that onnxruntime can load a model, for callers that must refuse a broken model
 * before storing or registering it (the schema reader only checks the protobuf structure).
 */
import * as ort from 'onnxruntime-node'
import { InvalidOnnxModelError } from './schema.ts'

/**
 * Loads the model into an onnxruntime session and releases it; throws InvalidOnnxModelError
 * with onnxruntime's reason when it cannot be loaded.
 *
 * @example
 * await checkOnnxLoads('/models/mlp.onnx')
 */
export async function checkOnnxLoads(model: string | Uint8Array): Promise<void> {
  let session: ort.InferenceSession | undefined
  try {
    session = typeof model === 'string'
      ? await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 })
      : await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 })
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err)
    throw new InvalidOnnxModelError({ reason: `onnxruntime cannot load it: ${reason}`, source: typeof model === 'string' ? model : undefined, cause: err })
  } finally {
    await session?.release()
  }
}
