import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { createProgressReporter } from './progress.ts'

function sink() {
  const out: string[] = []
  const stream = new Writable({
    write(chunk, _enc, done) {
      out.push(String(chunk))
      done()
    },
  })
  return { stream, text: () => out.join('') }
}

test('without a terminal, progress is plain lines at each 10%', () => {
  const s = sink()
  let t = 0
  const p = createProgressReporter({ stream: s.stream, tty: false, now: () => t })
  for (let done = 0; done <= 1000; done += 50) {
    t += 100
    p.onProgress({ phase: 'upload', done, total: 1000 })
  }
  p.finish()
  const lines = s.text().trimEnd().split('\n')
  assert.equal(lines.length, 11)
  assert.match(lines[0], /^upload 0% 0 B\/1000 B/)
  assert.match(lines[10], /^upload 100% 1000 B\/1000 B \d+ B\/s$/)
  assert.ok(!s.text().includes('\r') && !s.text().includes('\x1b'), 'no terminal control characters')
})

test('on a terminal, progress is one redrawn bar per phase', () => {
  const s = sink()
  let t = 0
  const p = createProgressReporter({ stream: s.stream, tty: true, now: () => t })
  p.onProgress({ phase: 'upload', done: 0, total: 2 * 1024 * 1024 })
  t += 500
  p.onProgress({ phase: 'upload', done: 1024 * 1024, total: 2 * 1024 * 1024 })
  t += 1 // too soon to redraw
  p.onProgress({ phase: 'upload', done: 1536 * 1024, total: 2 * 1024 * 1024 })
  t += 1
  p.onProgress({ phase: 'upload', done: 2 * 1024 * 1024, total: 2 * 1024 * 1024 })
  p.onProgress({ phase: 'manifest', done: 1, total: 1 })
  p.finish()
  const text = s.text()
  assert.equal(text.split('\r').length - 1, 4)
  assert.ok(text.includes('[############............] upload 50% 1.0 MiB/2.0 MiB'))
  assert.ok(text.includes('[########################] upload 100% 2.0 MiB/2.0 MiB'))
  assert.ok(!text.includes('75%'), 'redraws are throttled')
  assert.ok(text.includes('\n\r[########################] manifest 100%'))
  assert.ok(text.endsWith('\n'))
})
