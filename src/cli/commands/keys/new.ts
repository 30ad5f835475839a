import { writeKeyFile } from '../../../core/keyfile.ts'
import { printResult } from '../../output.ts'

export async function keysNew(o: { file: string; overwrite?: boolean; json?: boolean }): Promise<void> {
  const key = await writeKeyFile(o.file, undefined, { overwrite: o.overwrite })
  printResult(o.json, { address: key.address, file: o.file }, () => `address ${key.address}\nkey file ${o.file}`)
}
