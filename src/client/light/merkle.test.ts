import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { hashFromByteSlices, splitPoint } from './merkle.ts'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

// The vectors of CometBFT's crypto/merkle/tree_test.go (TestHashFromByteSlices).
test('hashFromByteSlices gives the roots of CometBFT\'s own test vectors', () => {
  const cases: Array<[string, number[][], string]> = [
    ['empty', [], 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['single', [[1, 2, 3]], '054edec1d0211f624fed0cbca9d4f9400b0e491c43742af2c5b0abebf0c990d8'],
    ['single blank', [[]], '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d'],
    ['two', [[1, 2, 3], [4, 5, 6]], '82e6cfce00453804379b53962939eaa7906b39904be0813fcadd31b100773c4b'],
    ['many', [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]], 'f326493eceab4f2d9ffbc78c59432a0a005d6ea98392045c74df5d14a113be18'],
  ]
  for (const [name, items, want] of cases) assert.equal(hex(hashFromByteSlices(items.map((i) => new Uint8Array(i)))), want, name)
})

test('the tree splits at the largest power of two below n (not in halves)', () => {
  assert.deepEqual([2, 3, 4, 5, 8, 9, 14].map(splitPoint), [1, 2, 2, 4, 4, 8, 8])
  // Three leaves: inner(inner(a, b), c), which a tree split in halves would build as inner(a, inner(b, c)).
  const sha = (...parts: number[][]): Buffer => createHash('sha256').update(Buffer.from(parts.flat())).digest()
  const [a, b, c] = [[1], [2], [3]].map((x) => [...sha([0], x)]) as [number[], number[], number[]]
  const want = sha([1], [...sha([1], a, b)], c)
  assert.equal(hex(hashFromByteSlices([[1], [2], [3]].map((i) => new Uint8Array(i)))), want.toString('hex'))
})
