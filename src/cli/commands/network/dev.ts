import { startDev } from '../../../network/dev.ts'
import { printResult } from '../../output.ts'

export async function dev(o: { home: string; port: string; blockTime: string; reset?: boolean; json?: boolean }): Promise<void> {
  const net = await startDev({
    home: o.home,
    port: Number(o.port),
    blockTimeMs: Number(o.blockTime),
    reset: o.reset,
    onFatal: (err) => {
      process.stderr.write(`error: the embedded engine stopped: ${(err as Error).message}\n`)
      process.exit(70)
    },
  })
  const stop = async () => {
    await net.close()
    process.exit(0)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  const out = { chainId: net.chainId, home: net.home, rpc: net.rpc, storage: net.storage, demoKeyFile: net.demoKeyFile, demoAddress: net.demoAddress }
  printResult(o.json, out, () =>
    [
      `haca dev "${net.chainId}" is running (embedded engine); ctrl-C stops it.`,
      `  RPC ${net.rpc}`,
      `  storage ${net.storage}`,
      `demo account ${net.demoAddress} (key: ${net.demoKeyFile})`,
      '',
      'try:',
      `  haca keys new && haca tx transfer --node ${net.rpc} --key ${net.demoKeyFile} --to $(haca keys show) --amount 1000`,
    ].join('\n'),
  )
  await new Promise(() => {})
}
