// Worker thread that runs ONNX sessions off the node's event loop. Plain JavaScript (not
// TypeScript) so it starts without a loader, whatever started the parent.
// Protocol in:  { type: 'run', id, model, bytes?, options, feeds: { name: { type, dims, data } } }
//               { type: 'release', model }
// Protocol out: { id, outputs: { name: { type, dims, data } }, seconds } or { id, error }
import { parentPort } from 'node:worker_threads'
import ort from 'onnxruntime-node'

const sessions = new Map()

parentPort.on('message', async (msg) => {
  if (msg.type === 'release') {
    const pending = sessions.get(msg.model)
    sessions.delete(msg.model)
    if (pending) pending.then((s) => s.release(), () => {})
    return
  }
  try {
    let pending = sessions.get(msg.model)
    if (!pending) {
      if (!msg.bytes) throw new Error(`model ${msg.model} is not loaded in this worker`)
      pending = ort.InferenceSession.create(msg.bytes, msg.options)
      sessions.set(msg.model, pending)
      pending.catch(() => sessions.delete(msg.model))
    }
    const session = await pending
    const feeds = {}
    for (const [name, t] of Object.entries(msg.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims)
    const started = process.hrtime.bigint()
    const results = await session.run(feeds)
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    const outputs = {}
    const transfer = []
    for (const name of session.outputNames) {
      const t = results[name]
      outputs[name] = { type: t.type, dims: t.dims, data: t.data }
      if (ArrayBuffer.isView(t.data)) transfer.push(t.data.buffer)
    }
    parentPort.postMessage({ id: msg.id, outputs, seconds }, transfer)
  } catch (err) {
    parentPort.postMessage({ id: msg.id, error: err instanceof Error ? err.message : String(err) })
  }
})
