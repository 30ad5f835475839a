import type { Command } from 'commander'
import { defaultKeyFile } from '../../defaults.ts'

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('secp256k1 account keys (Ethereum-style 0x addresses)')
  keys
    .command('new')
    .description('generate a key and write it to a file (mode 0600)')
    .option('--file <file>', 'key file to write', defaultKeyFile())
    .option('--overwrite', 'replace an existing key file')
    .option('--json', 'machine-readable output')
    .action(async (o) => (await import('./new.ts')).keysNew(o))
  keys
    .command('show')
    .description('print the address of a key file (never the private key)')
    .option('--file <file>', 'key file to read', defaultKeyFile())
    .option('--json', 'machine-readable output')
    .action(async (o) => (await import('./show.ts')).keysShow(o))
}
