/**
 * Writes a small deterministic ONNX MLP to a file, for trying inference by hand.
 * Usage: node --import tsx scripts/make-onnx-model.ts OUT.onnx [--hidden N] [--inputs N] [--outputs N] [--seed N]
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { buildMlpModel } from '../src/onnx/build.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    hidden: { type: 'string' },
    inputs: { type: 'string' },
    outputs: { type: 'string' },
    seed: { type: 'string' },
  },
})
const out = positionals[0]
if (!out) {
  process.stderr.write('usage: make-onnx-model.ts OUT.onnx [--hidden N] [--inputs N] [--outputs N] [--seed N]\n')
  process.exit(2)
}
const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v))
const bytes = buildMlpModel({
  hiddenSize: num(values.hidden),
  inputSize: num(values.inputs),
  outputSize: num(values.outputs),
  seed: num(values.seed),
})
writeFileSync(out, bytes)
process.stdout.write(`${out}: ${bytes.length} bytes\n`)
