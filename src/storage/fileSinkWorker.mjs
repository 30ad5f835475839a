// Worker thread that computes sha256 over a download's bytes while the main thread receives
// them and the thread pool writes them, so a large verified download runs the three at once.
// Plain JavaScript so it starts without a TypeScript loader. Messages for a job arrive in order.
// In:  { op: 'update', id, buf } | { op: 'digest', id } | { op: 'drop', id }
// Out: { id, op: 'digest', sha256 } (only digests are answered)
import { parentPort } from 'node:worker_threads'
import { createHash } from 'node:crypto'

const jobs = new Map()

parentPort.on('message', (msg) => {
  if (msg.op === 'update') {
    let hash = jobs.get(msg.id)
    if (!hash) jobs.set(msg.id, (hash = createHash('sha256')))
    hash.update(new Uint8Array(msg.buf))
  } else if (msg.op === 'digest') {
    const hash = jobs.get(msg.id) ?? createHash('sha256')
    jobs.delete(msg.id)
    parentPort.postMessage({ id: msg.id, op: 'digest', sha256: hash.digest('hex') })
  } else if (msg.op === 'drop') {
    jobs.delete(msg.id)
  }
})
