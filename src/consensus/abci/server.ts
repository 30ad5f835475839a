/**
 * An ABCI 2.0 socket server for CometBFT v0.38. CometBFT opens four connections (consensus,
 * mempool, query, snapshot) and pipelines requests on each; we answer each connection's
 * requests in order, buffer responses, and write them out when a Flush arrives (and answer
 * the Flush). The application itself runs calls one at a time (LedgerApp serialises them), so
 * interleaving between connections happens at call boundaries only.
 */
import { createServer, type Server, type Socket } from 'node:net'
import { appendFileSync } from 'node:fs'
import { unlink } from 'node:fs/promises'
import { BinaryReader } from 'cosmjs-types/binary'
import { Request, Response } from 'cosmjs-types/tendermint/abci/types'
import type { Logger } from 'pino'
import type { LedgerApp } from '../../ledger/app.ts'
import { FrameReader, frame } from './framing.ts'

// HACA_ABCI_STATS=FILE appends, on exit, how many calls of each kind the app served and their time (for benches).
const STATS = process.env.HACA_ABCI_STATS ? new Map<string, { n: number; ms: number }>() : undefined
if (STATS) process.on('exit', () => appendFileSync(process.env.HACA_ABCI_STATS!, `${JSON.stringify(Object.fromEntries(STATS))}\n`))

export type AbciServerOptions = {
  app: LedgerApp
  /** `tcp://127.0.0.1:26658` or `unix:///path/to/sock`. */
  address: string
  logger?: Logger
  /** Called when the app fails in a way that must stop the node (its state can no longer be trusted). */
  onFatal?: (err: unknown) => void
}

export class AbciServer {
  private server: Server | undefined
  private sockets = new Set<Socket>()

  constructor(private readonly opts: AbciServerOptions) {}

  async listen(): Promise<void> {
    const { address } = this.opts
    const server = createServer((socket) => this.handle(socket))
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      if (address.startsWith('unix://')) {
        const path = address.slice('unix://'.length)
        unlink(path).catch(() => {}).finally(() => server.listen(path, resolve))
      } else {
        const u = new URL(address.replace(/^tcp:/, 'http:'))
        server.listen(Number(u.port), u.hostname, resolve)
      }
    })
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }

  private handle(socket: Socket): void {
    this.sockets.add(socket)
    socket.setNoDelay(true)
    const reader = new FrameReader()
    const pending: Buffer[] = []
    // Per-connection chain: responses leave in request order even though the app queue is shared.
    let chain: Promise<void> = Promise.resolve()
    socket.on('data', (chunk) => {
      let frames: Buffer[]
      try {
        frames = reader.push(chunk)
      } catch (err) {
        this.opts.logger?.error({ err }, 'bad ABCI frame; closing connection')
        socket.destroy()
        return
      }
      for (const f of frames) {
        chain = chain.then(async () => {
          const res = await this.dispatch(f)
          if (!res) return
          pending.push(frame(Response.encode(res).finish()))
          if (res.flush !== undefined || res.exception !== undefined) {
            const out = Buffer.concat(pending)
            pending.length = 0
            if (!socket.destroyed) socket.write(out)
          }
        })
      }
    })
    socket.on('close', () => this.sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }

  private async dispatch(bytes: Buffer): Promise<Response | undefined> {
    let req: Request
    try {
      req = Request.decode(readerOver(bytes))
    } catch (err) {
      return Response.fromPartial({ exception: { error: `cannot decode ABCI request: ${(err as Error).message}` } })
    }
    if (req.flush) return Response.fromPartial({ flush: {} })
    if (req.echo) return Response.fromPartial({ echo: { message: req.echo.message } })
    try {
      if (!STATS) return await this.call(req)
      const t = performance.now()
      const res = await this.call(req)
      const kind = Object.keys(req).find((k) => (req as any)[k] !== undefined) ?? '?'
      const sub = req.checkTx ? `checkTx.${req.checkTx.type}` : kind
      const s = STATS.get(sub) ?? { n: 0, ms: 0 }
      s.n++
      s.ms += performance.now() - t
      STATS.set(sub, s)
      return res
    } catch (err) {
      this.opts.logger?.error({ err }, 'ABCI call failed')
      this.opts.onFatal?.(err)
      return Response.fromPartial({ exception: { error: (err as Error).message } })
    }
  }

  private async call(req: Request): Promise<Response> {
    const app = this.opts.app
    if (req.info) return Response.fromPartial({ info: await app.info(req.info) })
    if (req.initChain) return Response.fromPartial({ initChain: await app.initChain(req.initChain) })
    if (req.checkTx) return Response.fromPartial({ checkTx: await app.checkTx(req.checkTx) })
    if (req.prepareProposal) return Response.fromPartial({ prepareProposal: await app.prepareProposal(req.prepareProposal) })
    if (req.processProposal) return Response.fromPartial({ processProposal: await app.processProposal(req.processProposal) })
    if (req.finalizeBlock) return Response.fromPartial({ finalizeBlock: await app.finalizeBlock(req.finalizeBlock) })
    if (req.commit) return Response.fromPartial({ commit: await app.commit() })
    if (req.query) return Response.fromPartial({ query: await app.query(req.query) })
    // Vote extensions and state sync are not used by haca: answer with the neutral values.
    if (req.extendVote) return Response.fromPartial({ extendVote: { voteExtension: new Uint8Array() } })
    if (req.verifyVoteExtension) return Response.fromPartial({ verifyVoteExtension: { status: 1 } })
    if (req.listSnapshots) return Response.fromPartial({ listSnapshots: { snapshots: [] } })
    if (req.offerSnapshot) return Response.fromPartial({ offerSnapshot: { result: 3 } })
    if (req.loadSnapshotChunk) return Response.fromPartial({ loadSnapshotChunk: { chunk: new Uint8Array() } })
    if (req.applySnapshotChunk) return Response.fromPartial({ applySnapshotChunk: { result: 2 } })
    return Response.fromPartial({ exception: { error: 'unknown ABCI request' } })
  }
}

/**
 * A protobuf reader over `bytes` itself. cosmjs-types' BinaryReader copies what it is given
 * (`new Uint8Array(buf)`), and its `bytes()` fields are views into that: for settlement, every
 * CheckTx, proposal and block (MBs each) was copied once more, and the copies kept the collector
 * busy. The frame is the request's own memory (FrameReader cuts it from fresh socket chunks and
 * nothing writes to it), so the transactions may be views into it.
 */
function readerOver(bytes: Uint8Array): BinaryReader {
  const reader = new BinaryReader()
  reader.buf = bytes
  reader.len = bytes.length
  return reader
}
