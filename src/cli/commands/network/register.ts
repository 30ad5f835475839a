import type { Command } from 'commander'
import { join } from 'node:path'
import { defaultHome } from '../../defaults.ts'

export function registerNetwork(program: Command): void {
  program
    .command('devnet')
    .description('the whole network on CometBFT: N validators on loopback, each with its own ledger process')
    .option('--validators <n>', 'number of validators', '1')
    .option('--home <dir>', 'where the network keeps its data', join(defaultHome(), 'devnet'))
    .option('--base-port <port>', 'validator i uses base+10i+6 (p2p), +7 (RPC), +8 (ABCI)', '26650')
    .option('--reset', 'delete the network in --home and start a new chain')
    .option('--json', 'print the endpoints as JSON once running')
    .action(async (o) => (await import('./devnet.ts')).devnet(o))

  program
    .command('dev')
    .description('the whole network in one process: the embedded single-validator engine, no CometBFT or Go needed')
    .option('--home <dir>', 'where the network keeps its data', join(defaultHome(), 'dev'))
    .option('--port <port>', 'RPC port (CometBFT-compatible routes)', '26657')
    .option('--block-time <ms>', 'time between blocks when transactions are waiting', '200')
    .option('--reset', 'delete the chain in --home and start a new one')
    .option('--json', 'print the endpoints as JSON once running')
    .action(async (o) => (await import('./dev.ts')).dev(o))
}
