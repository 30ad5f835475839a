import { BaseError } from '../../../core/errors.ts'
import { prepareDevnet, RunningDevnet } from '../../../network/devnet.ts'
import { printResult } from '../../output.ts'

export async function devnet(o: { validators: string; home: string; basePort: string; reset?: boolean; json?: boolean }): Promise<void> {
  const validators = Number(o.validators)
  if (!Number.isInteger(validators) || validators < 1 || validators > 16) throw new BaseError('--validators must be an integer from 1 to 16', { code: 'invalid_option' })
  const basePort = Number(o.basePort)
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort > 65000) throw new BaseError('--base-port must be a port number', { code: 'invalid_option' })
  if (!o.json) process.stderr.write(`preparing ${validators} validator(s) in ${o.home}\n`)
  // The devnet has a node registry (inference nodes register with simulated-enclave attestations on
  // start), payment channels (paid models need vouchers) and settlement of receipts.
  const layout = await prepareDevnet({ home: o.home, validators, basePort, reset: o.reset, registry: true, payments: true })
  const net = new RunningDevnet(layout)
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    if (!o.json) process.stderr.write('stopping the devnet...\n')
    await net.stop()
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  try {
    await net.start()
  } catch (err) {
    await net.stop()
    throw err
  }
  const out = { chainId: layout.chainId, home: layout.home, rpc: layout.validators.map((v) => v.rpc), storage: layout.storage.url, inference: layout.inference.map((n) => ({ url: n.url, address: n.address })), nodesFile: layout.nodesFile, demoKeyFile: layout.demoKeyFile, demoAddress: layout.demoAddress }
  printResult(o.json, out, () =>
    [
      `haca devnet "${layout.chainId}" is running (${validators} validator(s)); ctrl-C stops it.`,
      ...layout.validators.map((v) => `  validator ${v.index}: RPC ${v.rpc}  (logs in ${v.cometHome}/..)`),
      `  storage: ${layout.storage.url} (Walrus-compatible, ${layout.storage.shards} shards)`,
      ...layout.inference.map((n, i) => `  inference node: ${n.url} (receipts signed by ${n.address}; ${i === 0 ? 'serves every registered ONNX model' : `chat through the provider stand-in ${layout.providerStandIn}`})`),
      ...(layout.registry ? [`  registry: inference nodes register with simulated-enclave attestations (dev root ${layout.registry.fingerprint.slice(0, 18)}…); ./haca infer and ./haca chat discover them on the ledger`] : []),
      `demo account ${layout.demoAddress} (key: ${layout.demoKeyFile})`,
      '',
      'try:',
      `  ./haca keys new && ./haca tx transfer --key ${layout.demoKeyFile} --to $(./haca keys show) --amount 1000`,
      `  ./haca query account $(./haca keys show) --prove`,
      `  node --import tsx scripts/make-onnx-model.ts mlp.onnx`,
      `  ./haca model upload mlp.onnx --name mlp --version 1.0.0 --key ${layout.demoKeyFile}`,
      `  ./haca infer --model mlp@1.0.0 --input input=float32:1x4:1,2,3,4 --key ${layout.demoKeyFile}    (pays from a channel it opens)`,
      `  ./haca chat --model standin-chat "hello" --key ${layout.demoKeyFile}`,
      `  ./haca receipt <RECEIPT ID> --wait      (settled on the ledger, with a verified Merkle proof)`,
      `  node --import tsx examples/four-steps.ts    (registration, direct inference, instant response, settlement)`,
    ].join('\n'),
  )
  await new Promise(() => {})
}
