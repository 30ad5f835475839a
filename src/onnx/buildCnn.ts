/**
 * A small VGG-style image CNN as ONNX bytes, for benches and tests that need a model doing
 * real work (about 150M multiply-adds at the default sizes: ~2 ms on one CPU thread of the
 * AVX-512 machines here), unlike the MLPs whose runs take microseconds and so measure only
 * the HTTP around them.
 *
 * Graph: input `input` float32 [N, 3, size, size] → for each entry of `channels`, a stage of
 * `convsPerStage` × (Conv 3×3, pad 1, + bias → Relu) then MaxPool 2×2 → Flatten → Gemm →
 * output `output` float32 [N, classes]. CIFAR-10 shaped by default: [N, 3, 32, 32] → [N, 10].
 */
import { type InitializerSpec, type NodeSpec, encodeModel, weights } from './build.ts'

export type CnnModelParameters = {
  /** Input height and width; 32 unless given. Must be divisible by 2^(number of conv layers). */
  size?: number
  /** Output channels of each stage; [64, 128, 256] unless given. */
  channels?: number[]
  /** Conv+Relu layers per stage, before its pooling; 2 unless given. */
  convsPerStage?: number
  /** Output features of the final Gemm; 10 unless given. */
  classes?: number
  /** Changes every weight; the same seed always gives the same model bytes. */
  seed?: number
}

/** Weights scaled by a power of two near 1/sqrt(fan-in), so activations stay near 1 and stay exact in float32. */
function scaled(count: number, salt: number, fanIn: number): Float32Array {
  const w = weights(count, salt)
  const scale = 2 ** -Math.round(Math.log2(Math.sqrt(fanIn)))
  for (let i = 0; i < w.length; i++) w[i] *= scale
  return w
}

/**
 * @example
 * const bytes = buildCnnModel() // [N,3,32,32] -> [N,10]
 * const session = await ort.InferenceSession.create(bytes)
 */
export function buildCnnModel({ size = 32, channels = [64, 128, 256], convsPerStage = 2, classes = 10, seed = 0 }: CnnModelParameters = {}): Uint8Array {
  if (size % 2 ** channels.length !== 0) throw new RangeError(`input size ${size} is not divisible by 2^${channels.length} (one 2x2 pooling per conv layer)`)
  const nodes: NodeSpec[] = []
  const initializers: InitializerSpec[] = []
  let current = 'input'
  let inChannels = 3
  let layer = 0
  channels.forEach((out, stage) => {
    for (let c = 0; c < convsPerStage; c++, layer++) {
      const fanIn = inChannels * 9
      initializers.push({ name: `conv${layer}.weight`, dims: [out, inChannels, 3, 3], values: scaled(out * fanIn, seed * 31 + layer * 2, fanIn) })
      initializers.push({ name: `conv${layer}.bias`, dims: [out], values: scaled(out, seed * 31 + layer * 2 + 1, fanIn) })
      nodes.push({
        opType: 'Conv', name: `conv${layer}`, inputs: [current, `conv${layer}.weight`, `conv${layer}.bias`], outputs: [`conv${layer}.out`],
        attributes: [{ name: 'kernel_shape', type: 'ints', value: [3, 3] }, { name: 'pads', type: 'ints', value: [1, 1, 1, 1] }],
      })
      nodes.push({ opType: 'Relu', name: `relu${layer}`, inputs: [`conv${layer}.out`], outputs: [`relu${layer}.out`] })
      current = `relu${layer}.out`
      inChannels = out
    }
    nodes.push({
      opType: 'MaxPool', name: `pool${stage}`, inputs: [current], outputs: [`pool${stage}.out`],
      attributes: [{ name: 'kernel_shape', type: 'ints', value: [2, 2] }, { name: 'strides', type: 'ints', value: [2, 2] }],
    })
    current = `pool${stage}.out`
  })
  const side = size / 2 ** channels.length
  const features = inChannels * side * side
  initializers.push({ name: 'fc.weight', dims: [features, classes], values: scaled(features * classes, seed * 31 + 97, features) })
  initializers.push({ name: 'fc.bias', dims: [classes], values: scaled(classes, seed * 31 + 98, features) })
  nodes.push({ opType: 'Flatten', name: 'flatten', inputs: [current], outputs: ['flat'], attributes: [{ name: 'axis', type: 'int', value: 1 }] })
  nodes.push({ opType: 'Gemm', name: 'fc', inputs: ['flat', 'fc.weight', 'fc.bias'], outputs: ['output'] })
  return encodeModel({
    graph: {
      name: 'haca_cnn',
      nodes,
      initializers,
      inputs: [{ name: 'input', elementType: 'float32', shape: ['N', 3, size, size] }],
      outputs: [{ name: 'output', elementType: 'float32', shape: ['N', classes] }],
    },
  })
}
