import { startProviderStandIn } from '../../../network/providerStandIn.ts'
import { printResult } from '../../output.ts'

export async function nodeProviderStandIn(o: { port: string; json?: boolean }): Promise<void> {
  const s = await startProviderStandIn({ port: Number(o.port) })
  printResult(o.json, { url: s.url }, () => `provider stand-in listening on ${s.url} (OpenAI: ${s.url}/v1)`)
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  await s.close()
}
