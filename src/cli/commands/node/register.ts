import type { Command } from 'commander'

export function registerNode(program: Command): void {
  const node = program.command('node').description('run one node of a real network')

  node
    .command('full')
    .description('the full node: the ledger as an ABCI application that a CometBFT process connects to')
    .requiredOption('--config <file>', 'full node config (JSON), as written by `haca devnet`')
    .action(async (options) => (await import('./full.ts')).nodeFull(options))

  node
    .command('storage')
    .description('a Walrus-compatible blob store (publisher + aggregator routes) on local disk')
    .option('--config <file>', 'storage node config (JSON); flags override it')
    .option('--dir <dir>', 'where blobs are kept (default ~/.haca/storage)')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <port>', 'listen port', '31415')
    .option('--shards <n>', 'shard count used for blob IDs (Walrus mainnet: 1000)')
    .option('--max-blob-size <bytes>', 'largest blob accepted in one PUT')
    .option('--json', 'print the endpoint as JSON once listening')
    .action(async (options) => (await import('./storage.ts')).nodeStorage(options))

  node
    .command('provider-standin')
    .description('an OpenAI/Anthropic-compatible stand-in provider on loopback for local networks (echoes messages)')
    .option('--port <port>', 'listen port', '0')
    .option('--json', 'print the endpoint as JSON once listening')
    .action(async (options) => (await import('./providerStandIn.ts')).nodeProviderStandIn(options))

  node
    .command('inference')
    .description('an inference node: ONNX models and LLM providers over HTTP, a signed receipt for every answer')
    .requiredOption('--config <file>', 'inference node config (JSON)')
    .option('--json', 'print the endpoint as JSON once listening')
    .action(async (options) => (await import('./inference.ts')).nodeInference(options))
}
