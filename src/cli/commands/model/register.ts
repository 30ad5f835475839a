import type { Command } from 'commander'
import { defaultKeyFile, defaultRpc, defaultStorage } from '../../defaults.ts'

const storeOptions = (c: Command) =>
  c
    .option('--store <url>', 'blob store: Walrus publisher and aggregator, or `haca node storage` ($HACA_STORAGE)', defaultStorage())
    .option('--aggregator <url>', 'a separate Walrus aggregator for reads (default: --store)')
    .option('--shards <n>', "shard count for blob IDs (default: the store's own, from its /status; Walrus: 1000)")

export function registerModel(program: Command): void {
  const model = program.command('model').description('the model hub: ONNX models in blob storage, registered on the ledger')
  storeOptions(
    model
      .command('upload <file>')
      .description('store an ONNX model (chunks + manifest) and register it on the ledger')
      .requiredOption('--name <name>', 'model name (a-z 0-9 . _ -)')
      .requiredOption('--version <version>', 'version (immutable once registered)')
      .option('--modes <modes>', 'comma-separated modes the model may be served in', 'vanilla')
      .option('--price <n>', 'price per inference in base units', '0')
      .option('--key <file>', 'owner key file', defaultKeyFile())
      .option('--node <url>', 'ledger RPC ($HACA_NODE)', defaultRpc())
      .option('--json', 'machine-readable output'),
  ).action(async (file, o) => (await import('./upload.ts')).modelUpload({ ...o, file }))
  model
    .command('list')
    .description('registered models with their versions')
    .option('--node <url>', 'ledger RPC ($HACA_NODE)', defaultRpc())
    .option('--json', 'machine-readable output')
    .action(async (o) => (await import('./list.ts')).modelList(o))
  model
    .command('show <model>')
    .description('one model, by ID (0x…) or name@version')
    .option('--node <url>', 'ledger RPC ($HACA_NODE)', defaultRpc())
    .option('--json', 'machine-readable output')
    .action(async (ref, o) => (await import('./show.ts')).modelShow({ ...o, ref }))
  storeOptions(
    model
      .command('download <model>')
      .description('fetch a model by ID or name@version, checking every chunk and the whole file against the ledger')
      .requiredOption('--out <file>', 'where to write the model')
      .option('--node <url>', 'ledger RPC ($HACA_NODE)', defaultRpc())
      .option('--json', 'machine-readable output'),
  ).action(async (ref, o) => (await import('./download.ts')).modelDownload({ ...o, ref }))
}
