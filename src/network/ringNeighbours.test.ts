import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ringNeighbours } from './devnet.ts'

function subsets(n: number, size: number, from = 0): number[][] {
  if (size === 0) return [[]]
  const out: number[][] = []
  for (let i = from; i < n; i++) for (const rest of subsets(n, size - 1, i + 1)) out.push([i, ...rest])
  return out
}

test('validator peers: symmetric, fewer than all from four on, and connected with any tolerated number of validators down', () => {
  for (let n = 1; n <= 13; n++) {
    const ids = Array.from({ length: n }, (_, i) => i)
    const peers = ids.map((i) => new Set(ringNeighbours(ids, i)))
    for (const i of ids) {
      assert.ok(!peers[i].has(i), `${n}: validator ${i} does not peer with itself`)
      for (const j of peers[i]) assert.ok(peers[j].has(i), `${n}: ${i}→${j} is mutual`)
    }
    if (n >= 4) assert.ok(peers.every((p) => p.size < n - 1), `${n} validators are not a full mesh`)
    if (n === 4) assert.deepEqual(peers.map((p) => p.size), [2, 2, 2, 2])
    const tolerated = Math.floor((n - 1) / 3)
    for (const down of subsets(n, tolerated)) {
      const up = ids.filter((i) => !down.includes(i))
      const seen = new Set([up[0]])
      const queue = [up[0]]
      while (queue.length > 0) {
        for (const j of peers[queue.pop()!]) {
          if (down.includes(j) || seen.has(j)) continue
          seen.add(j)
          queue.push(j)
        }
      }
      assert.equal(seen.size, up.length, `${n} validators, ${down.join(',')} down: the rest stay connected`)
    }
  }
})
