import { readKeyFile } from '../../../core/keyfile.ts'
import { printResult } from '../../output.ts'

export async function keysShow(o: { file: string; json?: boolean }): Promise<void> {
  const key = await readKeyFile(o.file)
  printResult(o.json, { address: key.address, file: o.file }, () => key.address)
}
