// Worker thread that computes Walrus blob IDs off the event loop. Plain JavaScript (not
// TypeScript) so it starts without a loader in any worker, whatever started the parent.
// Protocol: { id, shards, path } or { id, shards, bytes } in; { id, blobId } or { id, error } out.
import { parentPort } from 'node:worker_threads'
import { readFileSync } from 'node:fs'
import { BlobEncoder } from '@mysten/walrus-wasm'

const encoders = new Map()

parentPort.on('message', (msg) => {
  try {
    let encoder = encoders.get(msg.shards)
    if (!encoder) {
      encoder = new BlobEncoder(msg.shards)
      encoders.set(msg.shards, encoder)
    }
    const bytes = msg.path !== undefined ? readFileSync(msg.path) : new Uint8Array(msg.bytes)
    const [id] = encoder.compute_metadata(bytes)
    parentPort.postMessage({ id: msg.id, blobId: Buffer.from(Uint8Array.from(id)).toString('base64url') })
  } catch (err) {
    parentPort.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) })
  }
})
