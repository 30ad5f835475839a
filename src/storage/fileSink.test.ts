import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { sinkToFileHashed } from './fileSink.ts'

test('sinkToFileHashed writes the bytes and returns their sha256, for many batches and concurrent jobs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'haca-sink-'))
  try {
    const blobs = [randomBytes(10 * 1024 * 1024 + 3), randomBytes(5), Buffer.alloc(0)]
    const results = await Promise.all(
      blobs.map((b, i) => {
        const chunks = Array.from({ length: Math.ceil(b.length / 65536) }, (_, k) => b.subarray(k * 65536, (k + 1) * 65536))
        return sinkToFileHashed(Readable.from(chunks), join(dir, `out-${i}`))
      }),
    )
    results.forEach((r, i) => {
      assert.equal(r.size, blobs[i].length)
      assert.equal(r.sha256, createHash('sha256').update(blobs[i]).digest('hex'))
      assert.ok(readFileSync(join(dir, `out-${i}`)).equals(blobs[i]))
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a source that fails mid-way rejects, and the sink keeps working after', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'haca-sink-'))
  try {
    async function* failing() {
      yield randomBytes(5 * 1024 * 1024)
      throw new Error('connection reset')
    }
    await assert.rejects(sinkToFileHashed(Readable.from(failing()), join(dir, 'bad')), /connection reset/)
    const ok = randomBytes(1000)
    const r = await sinkToFileHashed(Readable.from([ok]), join(dir, 'good'))
    assert.equal(r.sha256, createHash('sha256').update(ok).digest('hex'))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
