import { readFullNodeConfig } from '../../../consensus/fullnode/config.ts'
import { startFullNode } from '../../../consensus/fullnode/run.ts'

export async function nodeFull(options: { config: string }): Promise<void> {
  const node = await startFullNode(await readFullNodeConfig(options.config))
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await node.close()
}
