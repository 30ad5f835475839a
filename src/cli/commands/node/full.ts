import { readFullNodeConfig } from '../../../nodes/full/config.ts'
import { startFullNode } from '../../../nodes/full/run.ts'

export async function nodeFull(options: { config: string }): Promise<void> {
  const node = await startFullNode(await readFullNodeConfig(options.config))
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await node.close()
}
